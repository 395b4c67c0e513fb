using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace ScimFunctions.Events;

/// <summary>What became of one push.</summary>
public enum PushOutcome
{
    /// <summary>The receiver acknowledged the SET (202, or another 2xx).</summary>
    Delivered,

    /// <summary>Worth sending again later: a timeout, no connection, 5xx, 429, 401/403 (the receiver's secret being
    /// changed), the receiver not knowing the key yet (<c>invalid_key</c>), a redirect (not followed), or an address the
    /// <see cref="ReceiverAddressPolicy"/> refuses (the events wait until the receiver is moved or removed).</summary>
    Retry,

    /// <summary>The receiver refused this SET for good (RFC 8935 §2.3 error other than invalid_key).</summary>
    Rejected,
}

/// <param name="Error">For the delivery state: the receiver's RFC 8935 <c>err</c> and description, the status, or
/// the transport failure. Never the SET or the secret.</param>
public sealed record PushResult(PushOutcome Outcome, string? Error = null);

/// <summary>The transmitter side of RFC 8935: one SET per POST, <c>Content-Type: application/secevent+jwt</c>,
/// the receiver's bearer secret when it has one, a timeout per attempt.</summary>
public sealed class SetPushClient(HttpClient http)
{
    /// <summary>The push client as the service runs it: connections only to addresses <paramref name="addresses"/>
    /// vetted, no redirects (the receiver URL is what was registered, and the bearer secret goes to it alone), no proxy
    /// from the environment (the connection must reach the vetted address itself).</summary>
    public static SetPushClient Create(ReceiverAddressPolicy addresses) => new(new HttpClient(new SocketsHttpHandler
    {
        ConnectCallback = addresses.ConnectAsync,
        AllowAutoRedirect = false,
        UseProxy = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    }));

    public async Task<PushResult> PushAsync(Uri endpoint, string? bearer, string set, TimeSpan timeout, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ByteArrayContent(Encoding.ASCII.GetBytes(set)) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/" + SecurityEventSigner.MediaType);
        request.Headers.Accept.ParseAdd("application/json");
        if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
        attempt.CancelAfter(timeout);
        try
        {
            using var response = await http.SendAsync(request, attempt.Token);
            if (response.IsSuccessStatusCode) return new PushResult(PushOutcome.Delivered);
            var status = (int)response.StatusCode;
            if (status is >= 300 and < 400) return new PushResult(PushOutcome.Retry, $"HTTP {status}: a redirect, not followed; subscribe the URL the receiver redirects to");
            if (response.StatusCode != HttpStatusCode.BadRequest) return new PushResult(PushOutcome.Retry, $"HTTP {status}");
            var (err, description) = await ReadErrorAsync(response, attempt.Token);
            var message = $"HTTP 400 {err}: {description}";
            return err == "invalid_key" ? new PushResult(PushOutcome.Retry, message) : new PushResult(PushOutcome.Rejected, message);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new PushResult(PushOutcome.Retry, $"no acknowledgement within {timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e) when (e.InnerException is ReceiverAddressRefusedException refused)
        {
            return new PushResult(PushOutcome.Retry, refused.Message);
        }
        catch (HttpRequestException e)
        {
            return new PushResult(PushOutcome.Retry, e.HttpRequestError.ToString());
        }
    }

    static async Task<(string Err, string Description)> ReadErrorAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct)) as JsonObject;
            return (body?["err"]?.GetValue<string>() ?? "invalid_request", body?["description"]?.GetValue<string>() ?? "");
        }
        catch (System.Text.Json.JsonException)
        {
            return ("invalid_request", "");
        }
    }
}
