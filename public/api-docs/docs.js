// Renders the service's own OpenAPI document; every asset comes from this origin.
window.SwaggerUIBundle({
	url: "/api/openapi.json",
	dom_id: "#docs",
	deepLinking: true,
	tryItOutEnabled: false,
	validatorUrl: null,
});
