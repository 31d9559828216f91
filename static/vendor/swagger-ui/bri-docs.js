// Starts Swagger UI on /docs. A static file because the Content-Security-Policy forbids inline
// scripts. validatorUrl: null keeps the page offline (no call to validator.swagger.io).
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    validatorUrl: null,
    deepLinking: true,
    tryItOutEnabled: true,
    supportedSubmitMethods: ["get"],
  });
});
