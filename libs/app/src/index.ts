export * from './message-manager.module';
export * from './quarry.module';
