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
Node's old-space limit (--max-old-space-size), in MiB, for a service container with this
memory limit (`512Mi`, `1Gi`): dict "name" service "memory" limit. V8's heap is its old
space and, beyond it, its young generation: three semi-spaces (two, and as much for new
large objects) of the images' --max-semi-space-size=32 (SERVICE_NODE_FLAGS in
tools/src/infra/services.ts, the Dockerfile's CMD), 96 MiB. Node's own memory (its code,
libuv, TLS, the connections) takes about 64 MiB more. Three quarters of what remains go
to the old space, a quarter to memory off the heap (Buffers: sockets, the gateways'
recovery log). Left to itself, V8 sizes its heap to the whole limit, and the kernel kills
the pod before V8 collects. Below 256Mi no old space worth running in is left: refused.
*/}}
{{- define "scale-chat.heapMiB" -}}
{{- $memory := toString .memory -}}
{{- $youngMiB := mul 3 32 -}}
{{- $nativeMiB := 64 -}}
{{- $minimumMiB := 256 -}}
{{- if not (regexMatch "^[1-9][0-9]*(Mi|Gi)$" $memory) -}}
{{- fail (printf "a service's memory limit must be a whole number of Mi or Gi (its heap is sized from it), got %s" $memory) -}}
{{- end -}}
{{- $limitMiB := trimSuffix "Mi" (trimSuffix "Gi" $memory) | int -}}
{{- if hasSuffix "Gi" $memory -}}{{- $limitMiB = mul $limitMiB 1024 -}}{{- end -}}
{{- if lt $limitMiB $minimumMiB -}}
{{- fail (printf "services.%s.resources.limits.memory %s is too small for a Node service: give it at least %dMi (V8's young generation takes %d MiB, Node itself about %d MiB, and the old space needs room beside them)" .name $memory $minimumMiB $youngMiB $nativeMiB) -}}
{{- end -}}
{{- div (mul (sub $limitMiB (add $youngMiB $nativeMiB)) 3) 4 -}}
{{- end -}}

{{/* A Service's name in full, for nginx, whose resolver uses no search domains. */}}
{{- define "scale-chat.serviceHost" -}}
{{- printf "%s.%s.svc.%s" (include "scale-chat.serviceName" .) .root.Release.Namespace .root.Values.edge.clusterDomain -}}
{{- end -}}

{{/* Where the JWKS that verifies access tokens is. */}}
{{- define "scale-chat.jwksUrl" -}}
{{- printf "http://%s:%v/api/auth/jwks" (include "scale-chat.serviceName" (dict "root" . "name" "auth")) .Values.services.auth.port -}}
{{- end -}}

{{/*
The services that call a service over HTTP, comma-separated and sorted (empty: none): every
other service fetches auth's JWKS (AUTH_JWKS_URL, scale-chat.jwksUrl); no other service is
called but through the edge. Its NetworkPolicy admits them (network-policy.yaml): dict "root"
$ "name" service.
*/}}
{{- define "scale-chat.httpCallers" -}}
{{- if eq .name "auth" -}}
{{- without (keys .root.Values.services | sortAlpha) "auth" | join "," -}}
{{- end -}}
{{- end -}}

{{/* The name of the Strimzi Kafka cluster of the release (kafka.strimzi.enabled). */}}
{{- define "scale-chat.kafkaCluster" -}}
{{- printf "%s-kafka" (include "scale-chat.fullname" .) -}}
{{- end -}}

{{/* The Kafka bootstrap servers the services use (the values' Kafka security checked first). */}}
{{- define "scale-chat.kafkaBrokers" -}}
{{- include "scale-chat.kafkaSecurityChecks" . -}}
{{- if .Values.kafka.strimzi.enabled -}}
{{- /* The listener of kafka.yaml: tls on 9093 with kafka.tls.enabled, plain on 9092 without. */}}
{{- printf "%s-kafka-bootstrap:%s" (include "scale-chat.kafkaCluster" .) (ternary "9093" "9092" (.Values.kafka.tls.enabled | default false)) -}}
{{- else -}}
{{- required "kafka.brokers names an existing Kafka (or set kafka.strimzi.enabled)" .Values.kafka.brokers -}}
{{- end -}}
{{- end -}}

{{/*
Fails the render on Kafka TLS and SASL values the services would refuse (they exit 78) or
that Strimzi cannot serve; renders nothing.
*/}}
{{- define "scale-chat.kafkaSecurityChecks" -}}
{{- $kafka := .Values.kafka -}}
{{- $tls := $kafka.tls.enabled | default false -}}
{{- $mechanism := $kafka.sasl.mechanism | default "" -}}
{{- $strimzi := $kafka.strimzi.enabled -}}
{{- if and $mechanism (not (has $mechanism (list "plain" "scram-sha-256" "scram-sha-512"))) -}}
{{- fail (printf "kafka.sasl.mechanism must be plain, scram-sha-256 or scram-sha-512 (or empty: no SASL), got %q" $mechanism) -}}
{{- end -}}
{{- if and (eq $mechanism "plain") (not $tls) -}}
{{- fail "kafka.sasl.mechanism plain sends each password as it is: set kafka.tls.enabled too, or use scram-sha-512 (the services refuse plain without TLS)" -}}
{{- end -}}
{{- if and (not $tls) (or $kafka.tls.caSecret.name $kafka.tls.clientCertSecret) -}}
{{- fail "kafka.tls.caSecret.name and kafka.tls.clientCertSecret take effect only with kafka.tls.enabled: set it, or leave them empty" -}}
{{- end -}}
{{- if $strimzi -}}
{{- if and $mechanism (ne $mechanism "scram-sha-512") -}}
{{- fail (printf "kafka.sasl.mechanism %s: a Strimzi listener authenticates SASL users by scram-sha-512 alone; set kafka.sasl.mechanism to scram-sha-512 (or empty) with kafka.strimzi.enabled" $mechanism) -}}
{{- end -}}
{{- if or $kafka.tls.caSecret.name $kafka.tls.clientCertSecret $kafka.sasl.existingSecret -}}
{{- fail "kafka.tls.caSecret.name, kafka.tls.clientCertSecret and kafka.sasl.existingSecret are for an existing cluster (kafka.brokers): with kafka.strimzi.enabled the services trust Strimzi's cluster CA and get the passwords of their KafkaUsers; leave them empty" -}}
{{- end -}}
{{- else if and $mechanism (not $kafka.sasl.existingSecret) -}}
{{- fail (printf "kafka.sasl.mechanism %s needs kafka.sasl.existingSecret: a Secret with <service>-username and <service>-password for each service (the chart keeps no password in its values)" $mechanism) -}}
{{- end -}}
{{- end -}}

{{/* The Strimzi KafkaUser of a service, its SASL username and its Secret's name: dict "root" $ "name" service. */}}
{{- define "scale-chat.kafkaUser" -}}
{{- printf "%s-%s" (include "scale-chat.kafkaCluster" .root) .name -}}
{{- end -}}

{{/*
Whether the chart's Strimzi cluster authorizes its clients by ACLs (kafka.authorization):
only with SCRAM users to tell the services apart. Renders "true" or nothing.
*/}}
{{- define "scale-chat.kafkaAuthorization" -}}
{{- $kafka := .Values.kafka -}}
{{- if and $kafka.strimzi.enabled (eq ($kafka.sasl.mechanism | default "") "scram-sha-512") ($kafka.authorization | default dict).enabled -}}
true
{{- end -}}
{{- end -}}

{{/*
The Kafka ACLs of one service, from files/kafka-access.yaml, as a YAML list of Strimzi
AclRules (KafkaUser spec.authorization.acls; NOTES.txt turns them into kafka-acls.sh
commands): dict "root" $ "name" service "create" bool.
- each topic it writes or reads, literal, under kafka.topicPrefix (the Socket.IO topic is
  kafka.socketIoTopic, unprefixed): Write and/or Read; Describe (metadata, offsets:
  kafkajs' admin and consumers); DescribeConfigs (ensureTopics reads a topic's declared
  settings, a consumer the retention by which it forgets processed events); Create with
  `create`, when the services create the topics (no KafkaTopics of the chart), never
  AlterConfigs (ensureTopics leaves a topic's settings as they are when refused);
- each consumer group, literal, `<kafka.groupPrefix><service>.<group>`: Read, Describe;
- chat-gateway's Socket.IO groups, one per pod, `<topic>-<pod name>-<random>`, by the
  prefix of its pods' names: Read, Describe, and Delete (each deletes its own at shutdown).
No cluster or transactional-id rights: no producer is idempotent or transactional.
*/}}
{{- define "scale-chat.kafkaAcls" -}}
{{- $root := .root -}}
{{- $kafka := $root.Values.kafka -}}
{{- $access := index ($root.Files.Get "files/kafka-access.yaml" | fromYaml) .name -}}
{{- if not $access -}}
{{- fail (printf "files/kafka-access.yaml has no entry for the service %s: add the topics it writes and the groups it reads, or its Kafka user may do nothing" .name) -}}
{{- end -}}
{{- $topics := dict -}}
{{- range ($access.writes | default list) -}}
{{- $topic := printf "%s%s" $kafka.topicPrefix . -}}
{{- $_ := set $topics $topic (append (index $topics $topic | default list) "Write") -}}
{{- end -}}
{{- $groups := $access.groups | default dict -}}
{{- range $group := keys $groups | sortAlpha -}}
{{- range (index $groups $group) -}}
{{- $topic := printf "%s%s" $kafka.topicPrefix . -}}
{{- $_ := set $topics $topic (append (index $topics $topic | default list) "Read") -}}
{{- end -}}
{{- end -}}
{{- $socketTopic := $kafka.socketIoTopic | default "socketio.events" -}}
{{- if $access.socketIo -}}
{{- $_ := set $topics $socketTopic (list "Read" "Write") -}}
{{- end -}}
{{- $always := list "Describe" "DescribeConfigs" -}}
{{- if .create }}{{ $always = append $always "Create" }}{{ end -}}
{{- range $topic := keys $topics | sortAlpha }}
- resource: { type: topic, name: {{ $topic | quote }}, patternType: literal }
  operations: {{ concat $always (index $topics $topic) | uniq | sortAlpha | toJson }}
{{- end }}
{{- range $group := keys $groups | sortAlpha }}
- resource: { type: group, name: {{ printf "%s%s.%s" $kafka.groupPrefix $.name $group | quote }}, patternType: literal }
  operations: ["Describe","Read"]
{{- end }}
{{- if $access.socketIo }}
- resource: { type: group, name: {{ printf "%s-%s-" $socketTopic (include "scale-chat.serviceName" (dict "root" $root "name" .name)) | quote }}, patternType: prefix }
  operations: ["Delete","Describe","Read"]
{{- end }}
{{- end -}}

{{/* Where a service pod finds the Kafka CA and its client certificate (the volumes below). */}}
{{- define "scale-chat.kafkaCaDir" -}}/etc/kafka-ca{{- end -}}
{{- define "scale-chat.kafkaClientCertDir" -}}/etc/kafka-client{{- end -}}

{{/*
The KAFKA_TLS* and KAFKA_SASL_* variables of a service (none without kafka.tls.enabled and
kafka.sasl.mechanism): dict "root" $ "name" service. Passwords only by secretKeyRef.
*/}}
{{- define "scale-chat.kafkaSecurityEnv" -}}
{{- $kafka := .root.Values.kafka -}}
{{- $strimzi := $kafka.strimzi.enabled -}}
{{- if $kafka.tls.enabled }}
- name: KAFKA_TLS
  value: "true"
{{- if or $strimzi $kafka.tls.caSecret.name }}
- name: KAFKA_TLS_CA_FILE
  value: {{ include "scale-chat.kafkaCaDir" . }}/ca.crt
{{- end }}
{{- if and (not $strimzi) $kafka.tls.clientCertSecret }}
- name: KAFKA_TLS_CERT_FILE
  value: {{ include "scale-chat.kafkaClientCertDir" . }}/tls.crt
- name: KAFKA_TLS_KEY_FILE
  value: {{ include "scale-chat.kafkaClientCertDir" . }}/tls.key
{{- end }}
{{- end }}
{{- with $kafka.sasl.mechanism }}
- name: KAFKA_SASL_MECHANISM
  value: {{ . }}
{{- if $strimzi }}
{{- $user := include "scale-chat.kafkaUser" $ }}
# The KafkaUser's name; Strimzi's User Operator makes its Secret, of the same name.
- name: KAFKA_SASL_USERNAME
  value: {{ $user }}
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $user }}
      key: password
{{- else }}
- name: KAFKA_SASL_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ $kafka.sasl.existingSecret }}
      key: {{ $.name }}-username
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $kafka.sasl.existingSecret }}
      key: {{ $.name }}-password
{{- end }}
{{- end }}
{{- end -}}

{{/* The read-only mounts of the Kafka CA and client certificate, if any. */}}
{{- define "scale-chat.kafkaVolumeMounts" -}}
{{- $kafka := .Values.kafka -}}
{{- if $kafka.tls.enabled }}
{{- if or $kafka.strimzi.enabled $kafka.tls.caSecret.name }}
- { name: kafka-ca, mountPath: {{ include "scale-chat.kafkaCaDir" . }}, readOnly: true }
{{- end }}
{{- if and (not $kafka.strimzi.enabled) $kafka.tls.clientCertSecret }}
- { name: kafka-client-cert, mountPath: {{ include "scale-chat.kafkaClientCertDir" . }}, readOnly: true }
{{- end }}
{{- end }}
{{- end -}}

{{/*
The volumes of those mounts: Strimzi's cluster CA (`<cluster>-cluster-ca-cert`, which
the operator renews), or the operator's own CA and client certificate Secrets.
*/}}
{{- define "scale-chat.kafkaVolumes" -}}
{{- $kafka := .Values.kafka -}}
{{- if $kafka.tls.enabled }}
{{- if $kafka.strimzi.enabled }}
- name: kafka-ca
  secret:
    secretName: {{ include "scale-chat.kafkaCluster" . }}-cluster-ca-cert
    items: [{ key: ca.crt, path: ca.crt }]
    defaultMode: 0440
{{- else }}
{{- with $kafka.tls.caSecret.name }}
- name: kafka-ca
  secret:
    secretName: {{ . }}
    items: [{ key: {{ $kafka.tls.caSecret.key | default "ca.crt" }}, path: ca.crt }]
    defaultMode: 0440
{{- end }}
{{- with $kafka.tls.clientCertSecret }}
- name: kafka-client-cert
  secret:
    secretName: {{ . }}
    items: [{ key: tls.crt, path: tls.crt }, { key: tls.key, path: tls.key }]
    defaultMode: 0440
{{- end }}
{{- end }}
{{- end }}
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
