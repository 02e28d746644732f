{{/* The prefix of every object's name: the release's name, short enough that a pod name (with its Deployment's suffixes) stays within the 64 characters INSTANCE_ID allows. */}}
{{- define "scale-chat.fullname" -}}
{{- .Release.Name | trunc 28 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels on every object but a component's. */}}
{{- define "scale-chat.labels" -}}
app.kubernetes.io/part-of: scale-chat
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/version: {{ .Values.image.tag | quote }}
{{- end -}}

{{/* Labels of a component's objects and pods: dict "root" $ "name" name. */}}
{{- define "scale-chat.componentLabels" -}}
{{ include "scale-chat.labels" .root }}
app.kubernetes.io/name: {{ .name }}
{{- end -}}

{{/* Selector labels of one component (a service or the edge): dict "root" $ "name" name. */}}
{{- define "scale-chat.selector" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/* An image, refusing `latest` and an empty tag: dict "root" $ "name" image name. */}}
{{- define "scale-chat.image" -}}
{{- $image := .root.Values.image -}}
{{- $tag := toString $image.tag -}}
{{- if or (eq $tag "") (eq $tag "latest") -}}
{{- fail "image.tag must be a fixed version, not empty or latest" -}}
{{- end -}}
{{- $repository := printf "%s/%s" $image.repositoryPrefix .name -}}
{{- if $image.registry -}}{{- $repository = printf "%s/%s" $image.registry $repository -}}{{- end -}}
{{- printf "%s:%s" $repository $tag -}}
{{- end -}}

{{/* A service's in-cluster Service name: dict "root" $ "name" service. */}}
{{- define "scale-chat.serviceName" -}}
{{- printf "%s-%s" (include "scale-chat.fullname" .root) .name -}}
{{- end -}}

{{/*
Node's old-space limit for a container with this memory limit (`512Mi`, `1Gi`): three
quarters of it, in MiB. Left to itself, V8 sizes its heap to the whole limit, and the
kernel kills the pod before V8 collects.
*/}}
{{- define "scale-chat.heapMiB" -}}
{{- $memory := toString . -}}
{{- if not (regexMatch "^[1-9][0-9]*(Mi|Gi)$" $memory) -}}
{{- fail (printf "a service's memory limit must be a whole number of Mi or Gi (its heap is sized from it), got %s" $memory) -}}
{{- else if hasSuffix "Gi" $memory -}}
{{- div (mul (trimSuffix "Gi" $memory | int) 1024 3) 4 -}}
{{- else -}}
{{- div (mul (trimSuffix "Mi" $memory | int) 3) 4 -}}
{{- end -}}
{{- end -}}

{{/* A Service's name in full, for nginx, whose resolver uses no search domains. */}}
{{- define "scale-chat.serviceHost" -}}
{{- printf "%s.%s.svc.%s" (include "scale-chat.serviceName" .) .root.Release.Namespace .root.Values.edge.clusterDomain -}}
{{- end -}}

{{/* Where the JWKS that verifies access tokens is. */}}
{{- define "scale-chat.jwksUrl" -}}
{{- printf "http://%s:%v/api/auth/jwks" (include "scale-chat.serviceName" (dict "root" . "name" "auth")) .Values.services.auth.port -}}
{{- end -}}

{{/* The Kafka bootstrap servers the services use. */}}
{{- define "scale-chat.kafkaBrokers" -}}
{{- if .Values.kafka.strimzi.enabled -}}
{{- printf "%s-kafka-kafka-bootstrap:9092" (include "scale-chat.fullname" .) -}}
{{- else -}}
{{- required "kafka.brokers names an existing Kafka (or set kafka.strimzi.enabled)" .Values.kafka.brokers -}}
{{- end -}}
{{- end -}}

{{/*
Whose X-Forwarded-For the services believe: no default, as only the cluster's network
knows the edge pods' addresses, and any range a guess would name (the private addresses,
the pod range) lets every pod in it name a fresh client address per request and so escape
the per-address login and signup limits.
*/}}
{{- define "scale-chat.trustProxy" -}}
{{- $trusted := required "config.trustProxy: set it to the addresses the edge pods connect from (comma-separated addresses or CIDRs, e.g. the CIDR of an IP pool of their own), never the cluster's whole pod range (docs/security.md)" .Values.config.trustProxy -}}
{{- if has "uniquelocal" (splitList "," (replace " " "" $trusted)) -}}
{{- fail "config.trustProxy: uniquelocal is every private address, so every pod of the cluster; name the edge pods' own range (docs/security.md)" -}}
{{- end -}}
{{- $trusted -}}
{{- end -}}

{{/* The Secret that holds each service's DATABASE_URL. */}}
{{- define "scale-chat.databaseSecret" -}}
{{- .Values.database.existingSecret | default (printf "%s-database" (include "scale-chat.fullname" .)) -}}
{{- end -}}

{{/* The Secret that holds auth's signing keys. */}}
{{- define "scale-chat.signingKeySecret" -}}
{{- .Values.auth.signingKey.existingSecret | default (printf "%s-auth-signing-key" (include "scale-chat.fullname" .)) -}}
{{- end -}}

{{/* Seconds from SIGTERM to SIGKILL: the preStop pause, the process's own shutdown limit, and a margin. */}}
{{- define "scale-chat.terminationGracePeriodSeconds" -}}
{{- add .Values.preStopSleepSeconds (div (add .Values.config.shutdownTimeoutMs 999) 1000) 5 -}}
{{- end -}}

{{/* Spread over nodes and zones: dict "root" $ "name" component. */}}
{{- define "scale-chat.topologySpread" -}}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "scale-chat.selector" . | nindent 8 }}
  - maxSkew: 1
    topologyKey: topology.kubernetes.io/zone
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "scale-chat.selector" . | nindent 8 }}
{{- end -}}

{{/* A probe: dict "probe" .Values.probes.x. */}}
{{- define "scale-chat.probe" -}}
httpGet:
  path: {{ .probe.path }}
  port: http
periodSeconds: {{ .probe.periodSeconds }}
timeoutSeconds: {{ .probe.timeoutSeconds }}
failureThreshold: {{ .probe.failureThreshold }}
{{- end -}}

{{/* The pause before SIGTERM, so endpoints drop the pod first. */}}
{{- define "scale-chat.preStop" -}}
lifecycle:
  preStop:
    exec:
      command: ['sleep', '{{ .Values.preStopSleepSeconds }}']
{{- end -}}
