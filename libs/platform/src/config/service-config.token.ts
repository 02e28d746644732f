/** Injection token of the service's `ServiceConfig`. */
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
