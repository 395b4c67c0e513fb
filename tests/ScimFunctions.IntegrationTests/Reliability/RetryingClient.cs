namespace ScimFunctions.IntegrationTests.Reliability;

/// <summary>
/// A SCIM client that behaves like a provisioning client under storage trouble: a 503 must carry
/// Retry-After and a SCIM error body, and the request is then sent again (at once: tests do not wait
/// the advertised seconds). Anything else is the answer. A 500, or a 503 without Retry-After, fails the
/// test on the spot. Counts what it saw.
/// </summary>
public sealed class RetryingClient(TenantClient client)
{
    const int MaxAttempts = 30;

    int _requests, _unavailable, _responses500;

    public TenantClient Client => client;
    public int Requests => Volatile.Read(ref _requests);
    public int Unavailable => Volatile.Read(ref _unavailable);

    /// <summary>The final response and how many attempts it took (1 = no retry).</summary>
    public async Task<(HttpResponseMessage Response, int Attempts)> SendAsync(HttpMethod method, string relative, JsonNode? body = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            Interlocked.Increment(ref _requests);
            var response = await client.SendAsync(method, relative, body);
            if (response.StatusCode == HttpStatusCode.InternalServerError)
            {
                Interlocked.Increment(ref _responses500);
                Assert.Fail($"500 for {method} {relative}: {await response.Content.ReadAsStringAsync()}");
            }
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable) return (response, attempt);
            Interlocked.Increment(ref _unavailable);
            Assert.True(response.Headers.RetryAfter is not null, $"503 without Retry-After for {method} {relative}");
            await response.AssertScimErrorAsync(503);
            Assert.True(attempt < MaxAttempts, $"{method} {relative} still answered 503 after {attempt} attempts");
        }
    }

    /// <summary>Sends and asserts the status: <paramref name="expected"/> on any attempt, or one of
    /// <paramref name="afterRetry"/> when an earlier attempt was a 503 (its write may have been applied).</summary>
    public async Task<HttpResponseMessage> ExpectAsync(HttpMethod method, string relative, JsonNode? body, HttpStatusCode expected, params HttpStatusCode[] afterRetry)
    {
        var (response, attempts) = await SendAsync(method, relative, body);
        var ok = response.StatusCode == expected || (attempts > 1 && afterRetry.Contains(response.StatusCode));
        Assert.True(ok, $"{method} {relative}: expected {(int)expected}, got {(int)response.StatusCode} after {attempts} attempt(s): {await response.Content.ReadAsStringAsync()}");
        return response;
    }

    public async Task<JsonObject> GetJsonAsync(string relative) =>
        await ExpectAsync(HttpMethod.Get, relative, null, HttpStatusCode.OK).ReadJsonAsync();
}
