// Starts Swagger UI on the docs page with the settings the server put in #docs-settings. Sign-in
// is the authorization code flow with PKCE for a public client: no client secret exists.
/* global document, window, URL, SwaggerUIBundle */
'use strict';

(function startDocs() {
  const settings = JSON.parse(document.getElementById('docs-settings').textContent);

  const ui = SwaggerUIBundle({
    url: new URL(settings.openapiUrl, window.location.href).href,
    dom_id: '#swagger-ui',
    layout: 'BaseLayout',
    presets: [SwaggerUIBundle.presets.apis],
    deepLinking: true,
    displayRequestDuration: true,
    showExtensions: true,
    showCommonExtensions: true,
    // The token stays in memory: reloading the page signs out.
    persistAuthorization: false,
    // Swagger UI otherwise sends the OpenAPI URL to validator.swagger.io.
    validatorUrl: null,
    oauth2RedirectUrl: new URL(settings.oauth2RedirectPath, window.location.href).href,
  });

  ui.initOAuth({
    clientId: settings.clientId,
    scopes: settings.scopes,
    usePkceWithAuthorizationCodeGrant: true,
  });
})();
