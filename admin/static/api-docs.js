/* Starts Swagger UI (vendored) on /api/docs with the document of /api/v1/openapi.json.
   No inline code (strict CSP); no request leaves the origin: no validator badge, no
   "Try it out", no remote configuration. Without "Try it out" the server choice and the
   Authorize dialog serve nothing, so they are left out (the servers <select> has no
   label, an axe violation); the security each operation needs is still shown. The
   document's own title block is left out too: the page's header says it, in the page's
   language, and keeps one h1 and one heading order. Deep
   links are off: they put a link inside each operation's button (nested-interactive). */
(function () {
  "use strict";
  var root = document.getElementById("api-docs");
  function nothing() { return function () { return null; }; }
  var referenceOnly = { wrapComponents: { ServersContainer: nothing,
    AuthorizeBtnContainer: nothing, InfoContainer: nothing } };
  window.SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    presets: [window.SwaggerUIBundle.presets.apis],
    plugins: [function () { return referenceOnly; }],
    layout: "BaseLayout",
    deepLinking: false,
    docExpansion: "list",
    defaultModelsExpandDepth: -1,
    displayRequestDuration: false,
    supportedSubmitMethods: [],
    validatorUrl: null,
    queryConfigEnabled: false,
    tryItOutEnabled: false,
    // Plain code: the highlighting themes' colours fail AA contrast on their backgrounds.
    syntaxHighlight: false
  });

  // Swagger UI's example and media-type pickers are <select>s with no accessible name
  // (axe select-name); name each as it appears, in the page's language (the template
  // hands the translated names over as data attributes).
  var names = { "examples-select-element": root.dataset.labelExamples,
    "content-type": root.dataset.labelMediaType };
  function label(node) {
    Object.keys(names).forEach(function (cls) {
      node.querySelectorAll("select." + cls + ":not([aria-label])").forEach(function (el) {
        el.setAttribute("aria-label", names[cls]);
      });
    });
  }
  new MutationObserver(function () { label(root); }).observe(root,
    { childList: true, subtree: true });
}());
