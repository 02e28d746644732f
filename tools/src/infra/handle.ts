/** A piece of infrastructure the tools found or started. */
export interface InfraHandle {
  readonly name: string;
  /** False when it was already running or given by the user: then we never stop it. */
  readonly startedHere: boolean;
  stop(): Promise<void>;
}

/** Infrastructure that was already there: the tools use it and leave it running. */
export function alreadyRunning<T extends object>(name: string, details: T): InfraHandle & T {
  return { ...details, name, startedHere: false, stop: () => Promise.resolve() };
}
