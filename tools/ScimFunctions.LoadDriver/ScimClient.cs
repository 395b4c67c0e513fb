using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace ScimFunctions.LoadDriver;

/// <summary>Sends SCIM requests to one tenant's base URL and records each one under its operation kind:
/// latency to the last byte of the body, the X-Storage-Requests header, and an error when the status or
/// the body is not what Entra would accept.</summary>
public sealed class ScimClient(HttpClient http, Recorder recorder)
{
    /// <summary>Returns the response body (an empty object for 204), or null when the request failed.</summary>
    public async Task<JsonObject?> SendAsync(string kind, HttpMethod method, string path, JsonNode? body, HttpStatusCode expected,
        Func<JsonObject, string?>? check = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/scim+json");
        var started = Stopwatch.GetTimestamp();
        double elapsed;
        var storage = -1;
        string? error = null;
        JsonObject? json = null;
        try
        {
            using var response = await http.SendAsync(request);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (response.Headers.TryGetValues("X-Storage-Requests", out var values))
                storage = int.Parse(values.First(), CultureInfo.InvariantCulture);
            if (response.StatusCode != expected)
                error = $"{(int)response.StatusCode} (expected {(int)expected}): {Encoding.UTF8.GetString(bytes.AsSpan(0, Math.Min(bytes.Length, 300)))}";
            else
            {
                json = bytes.Length == 0 ? [] : JsonNode.Parse(bytes) as JsonObject;
                error = json is null ? "body is not a JSON object" : check?.Invoke(json);
                if (error is null && expected == HttpStatusCode.Created && json?["id"] is JsonValue id) recorder.CreatedAt[id.GetValue<string>()] = started + (long)(elapsed * Stopwatch.Frequency / 1000);
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            error = $"{e.GetType().Name}: {e.Message}";
        }
        recorder.Add(kind, new Sample(elapsed, storage, error));
        return error is null ? json : null;
    }

    /// <summary>A filtered list request that must find exactly <paramref name="expected"/> resources.</summary>
    public Task<JsonObject?> QueryAsync(string kind, string resource, string filter, int expected, string? extra = null) =>
        SendAsync(kind, HttpMethod.Get, $"{resource}?filter={Uri.EscapeDataString(filter)}{extra}", null, HttpStatusCode.OK,
            json => json["totalResults"]?.GetValue<int>() == expected ? null : $"totalResults {json["totalResults"]}, expected {expected}");
}
