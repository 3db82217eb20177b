/* Starts Swagger UI (vendored) on /api/docs with the document of /api/v1/openapi.json in
   the page's language (data-spec-url: ?lang=zh-CN or ?lang=en, credentials.openapi_locale).
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

  // Swagger UI has no translations of its own: on the Chinese page its interface words
  // are replaced as they are rendered. Only a text node (or a title / aria-label) that
  // is exactly one of these words changes, so the document's data never does. Kept
  // small on purpose; tests/experience/test_api_docs_page.py checks the main ones.
  var chinese = document.documentElement.lang === "zh-CN" ? {
    "Parameters": "参数", "No parameters": "无参数", "Name": "名称",
    "Description": "说明", "Request body": "请求体", "required": "必填",
    "Responses": "响应", "Code": "状态码", "Links": "链接", "No links": "无链接",
    "Example Value": "示例值", "Schema": "结构", "Media type": "媒体类型",
    "Media Type": "媒体类型", "Controls": "决定", "header.": "请求头。",
    "Headers:": "响应头：", "Type": "类型", "Examples": "示例",
    "Example Description": "示例说明", "Default value": "默认值",
    "Available values": "可选值", "(query)": "（查询参数）", "(path)": "（路径参数）",
    "(header)": "（请求头）", "(cookie)": "（Cookie）", "deprecated": "已弃用",
    "Undocumented": "未说明", "Callbacks": "回调", "Extensions": "扩展",
    "Request content type": "请求内容类型", "Collapse operation": "收起接口",
    "Expand operation": "展开接口", "Copy path to clipboard": "复制路径",
    "authorization button locked": "需要授权", "authorization button unlocked": "无需授权",
    "Loading...": "正在加载……", "Schemas": "数据结构", "Example": "示例",
    "Examples:": "示例："
  } : null;
  // Where a parameter goes: the bare word, translated only inside .parameter__in.
  var places = { "query": "查询参数", "path": "路径参数", "header": "请求头",
    "cookie": "Cookie" };
  function translate(node) {
    var walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT), text, word;
    while ((text = walker.nextNode())) {
      word = text.nodeValue.trim();
      if (Object.prototype.hasOwnProperty.call(chinese, word) &&
          !text.parentElement.closest("pre, code, .prop-name, td.parameters-col_name")) {
        text.nodeValue = text.nodeValue.replace(word, chinese[word]);
      } else if (Object.prototype.hasOwnProperty.call(places, word) &&
                 text.parentElement.closest(".parameter__in")) {
        text.nodeValue = text.nodeValue.replace(word, places[word]);
      }
    }
    node.querySelectorAll("[title], [aria-label]").forEach(function (el) {
      ["title", "aria-label"].forEach(function (name) {
        var value = el.getAttribute(name);
        if (value && Object.prototype.hasOwnProperty.call(chinese, value)) {
          el.setAttribute(name, chinese[value]);
        }
      });
    });
  }
  new MutationObserver(function () {
    label(root);
    if (chinese) { translate(root); }
  }).observe(root, { childList: true, characterData: true, subtree: true });
}());
