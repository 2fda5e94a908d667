// The HTTP client every Atlassian API is read with: a timeout on every request, keep-alive, the body
// as text (events are stored exactly as sent), every status answered (the caller classifies it),
// and no redirects (an API key must not follow one to another host).
import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';

export function createHttpClient(params: { timeoutMs: number }): AxiosInstance {
  return axios.create({
    timeout: params.timeoutMs,
    httpAgent: new http.Agent({ keepAlive: true }),
    httpsAgent: new https.Agent({ keepAlive: true }),
    responseType: 'text',
    transformResponse: (body: unknown) => body,
    validateStatus: () => true,
    maxRedirects: 0,
  });
}
