namespace ScimFunctions.Http.Portal;

/// <summary>The page's stylesheet and script, embedded in the assembly: both hosts serve the same bytes, no CDN.</summary>
public static class PortalAssets
{
    public sealed record Asset(byte[] Content, string ContentType);

    static readonly Dictionary<string, Asset> s_assets = new(StringComparer.Ordinal)
    {
        ["portal.css"] = Load("portal.css", "text/css; charset=utf-8"),
        ["portal.js"] = Load("portal.js", "text/javascript; charset=utf-8"),
    };

    public static Asset? Find(string file) => s_assets.GetValueOrDefault(file);

    static Asset Load(string name, string contentType)
    {
        using var stream = typeof(PortalAssets).Assembly.GetManifestResourceStream("ScimFunctions.Http.Portal.Assets." + name)
            ?? throw new InvalidOperationException($"Embedded asset {name} is missing.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return new Asset(copy.ToArray(), contentType);
    }
}
