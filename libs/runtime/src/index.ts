export * from './operations';
export * from './message-manager.module';
export * from './auth.module';
export * from './registry.module';
export * from './mcp.module';
export * from './quarry.module';
export * from './registry.operations';
