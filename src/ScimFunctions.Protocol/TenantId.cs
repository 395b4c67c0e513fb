using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace ScimFunctions.Protocol;

/// <summary>
/// A tenant id, validated once where it enters (the SCIM route, the admin CLI's arguments): a short lowercase
/// slug, safe as a Table partition key and inside a Key Vault secret name. <see cref="TryParse"/> and
/// <see cref="Parse"/> are the only ways to make one, so a value of this type never needs checking again.
/// </summary>
[JsonConverter(typeof(TenantId.TextConverter))]
public readonly partial record struct TenantId
{
    readonly string? _value;

    TenantId(string value) => _value = value;

    /// <summary>The id as text (a <c>default</c> instance, which no parse produces, has none).</summary>
    public string Value => _value ?? throw new InvalidOperationException("An uninitialised TenantId: make one with TenantId.Parse or TryParse.");

    public const string Rule = "A tenant id is 1-63 lowercase letters, digits or hyphens.";

    public static bool TryParse([NotNullWhen(true)] string? text, out TenantId tenant)
    {
        tenant = text is not null && Slug().IsMatch(text) ? new TenantId(text) : default;
        return tenant._value is not null;
    }

    public static TenantId Parse(string? text) =>
        TryParse(text, out var tenant) ? tenant : throw new FormatException(Rule);

    public override string ToString() => Value;

    /// <summary>Where text is wanted (partition keys, names, logs); the other direction goes through Parse.</summary>
    public static implicit operator string(TenantId tenant) => tenant.Value;

    /// <summary>In JSON (the admin CLI's output) a tenant id is its text; reading one parses it.</summary>
    sealed class TextConverter : JsonConverter<TenantId>
    {
        public override TenantId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            TryParse(reader.GetString(), out var tenant) ? tenant : throw new JsonException(Rule);

        public override void Write(Utf8JsonWriter writer, TenantId value, JsonSerializerOptions options) => writer.WriteStringValue(value.Value);
    }

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Slug();
}
