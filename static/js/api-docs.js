// Starts Swagger UI on the API docs page (a file, not inline: the CSP allows scripts from 'self' only).
(function () {
  var target = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: target.getAttribute("data-spec-url"),
    domNode: target,
    deepLinking: true,
    persistAuthorization: false
  });
})();
