// The HTTP API of @tradeledger/node: the service interface the node core implements, the server,
// and request authentication.
export * from './service.js';
export * from './auth.js';
export { HttpApi, apiRouteDefinitions, publicProductView, API_TX_MAX_BODY_BYTES, API_ATTACHMENT_MAX_BODY_BYTES, API_COMMIT_WAIT_DEFAULT_MS, API_COMMIT_WAIT_MAX_MS, API_PAGE_MAX_ITEMS, API_REQUEST_TIMEOUT_MS, API_HEADERS_TIMEOUT_MS, API_MAX_CONNECTIONS, type HttpApiOptions, type RouteAccess, type RouteDefinition } from './server.js';
export { errorAnswer, URL_MAX_CHARS, QUERY_MAX_PARAMS } from './http-io.js';
