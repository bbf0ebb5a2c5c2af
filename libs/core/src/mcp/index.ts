export * from './tool.registry';
export * from './prompt.manager';
export * from './resource.manager';
export * from './session.hub';
export * from './mcp.server';
export * from './prompt.template';
