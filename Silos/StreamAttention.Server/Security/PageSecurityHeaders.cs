namespace StreamAttention.Server.Security;

/// <summary>
/// The headers of a page a browser shows (the live dashboard, the Orleans dashboard) and of its files: what the page may
/// load (its Content-Security-Policy, which always forbids framing), and that no other site may frame it, no browser
/// guess its files' types, and no address of it be sent on as a referrer.
/// </summary>
public static class PageSecurityHeaders
{
    /// <summary>Adds the headers to every response under <paramref name="path"/>, with <paramref name="contentSecurityPolicy"/>.</summary>
    public static WebApplication UsePageSecurityHeaders(this WebApplication app, PathString path, string contentSecurityPolicy)
    {
        app.Use((context, next) =>
        {
            if (context.Request.Path.StartsWithSegments(path))
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = contentSecurityPolicy;
                // For browsers that predate frame-ancestors: no other site can lay the page under a visitor's clicks.
                headers.XFrameOptions = "DENY";
                headers.XContentTypeOptions = "nosniff";
                // Nothing of the page's address (the user it shows, a login link's token until the page takes it out) is sent on.
                headers["Referrer-Policy"] = "no-referrer";
            }
            return next(context);
        });
        return app;
    }
}
