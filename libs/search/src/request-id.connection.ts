import {
  UndiciConnection,
  type ConnectionRequestOptions,
  type ConnectionRequestOptionsAsStream,
  type ConnectionRequestParams,
  type ConnectionRequestResponse,
  type ConnectionRequestResponseAsStream,
} from '@elastic/elasticsearch';
import { currentRequestId } from '@quarry/core';

/**
 * The client's own HTTP connection, extended (its documented extension point, the `Connection`
 * option) to send the id of the Quarry request being served as X-Opaque-Id: slow logs, tasks and
 * deprecation logs on the cluster then point back to the request and its log lines. A request
 * that already carries an opaque id keeps it.
 */
export class RequestIdConnection extends UndiciConnection {
  override request(
    params: ConnectionRequestParams,
    options: ConnectionRequestOptions,
  ): Promise<ConnectionRequestResponse>;
  override request(
    params: ConnectionRequestParams,
    options: ConnectionRequestOptionsAsStream,
  ): Promise<ConnectionRequestResponseAsStream>;
  override request(
    params: ConnectionRequestParams,
    options: ConnectionRequestOptions | ConnectionRequestOptionsAsStream,
  ): Promise<ConnectionRequestResponse | ConnectionRequestResponseAsStream> {
    const requestId = currentRequestId();
    if (requestId && params.headers?.['x-opaque-id'] === undefined)
      params = { ...params, headers: { ...params.headers, 'x-opaque-id': requestId } };
    return super.request(params, options as ConnectionRequestOptions);
  }
}
