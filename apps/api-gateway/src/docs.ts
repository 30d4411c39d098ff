import express, { Router } from 'express';
import { dirname } from 'node:path';

/** The files of the `swagger-ui-dist` package (CSS and the bundle). */
const SWAGGER_UI_DIR = dirname(require.resolve('swagger-ui-dist/package.json'));

/** The page: Swagger UI from this app's own files (no CDN), reading /openapi.json. */
const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Enrichment API</title>
    <link rel="stylesheet" href="/docs/assets/swagger-ui.css" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/assets/swagger-ui-bundle.js"></script>
    <script src="/docs/init.js"></script>
  </body>
</html>
`;

// A file, not an inline script: the app's Content-Security-Policy runs scripts of its own origin only.
const INIT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, tryItOutEnabled: false });
});
`;

/**
 * `/docs`: the interactive API documentation (Swagger UI from the `swagger-ui-dist` package, served
 * by the gateway itself), over the same OpenAPI document as `/openapi.json`. "Authorize" takes an
 * API key; requests made from the page go to this gateway with it.
 */
export function docsRouter(): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    res.type('html').send(PAGE);
  });
  router.get('/init.js', (_req, res) => {
    res.type('text/javascript').send(INIT);
  });
  router.use('/assets', express.static(SWAGGER_UI_DIR, { index: false, maxAge: '1h', fallthrough: false }));
  return router;
}
