// Renders the service's own OpenAPI document; every asset comes from this origin.
/** @type {Window & {SwaggerUIBundle: (options: Record<string, unknown>) => unknown}} */ (
	/** @type {unknown} */ (window)
).SwaggerUIBundle({
	url: "/api/openapi.json",
	dom_id: "#docs",
	deepLinking: true,
	tryItOutEnabled: false,
	validatorUrl: null,
});
