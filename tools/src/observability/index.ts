export * from './dashboard-metrics';
export * from './dashboard-suite';
