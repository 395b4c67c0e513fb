using System.Net.Http.Headers;
using CsCheck;

namespace ScimFunctions.IntegrationTests.Hostile;

/// <summary>
/// Hostile bodies and query strings over real HTTP: random mutations of valid requests (bytes cut,
/// inserted, replaced, including invalid UTF-8), and targeted cases (deep nesting, huge values, wrong
/// types, duplicate keys, numbers out of range, lone surrogates, NUL, key-unsafe characters). Each answer
/// is a correct result or a 4xx SCIM error, never a 5xx or a hang; what was created reads back, and the
/// tenant's rows stay consistent.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class HostileBodyTests(AzuriteFixture azurite, ITestOutputHelper output) : TenantTestBase(azurite)
{
    const int RandomCases = 400;
    string _user = "", _group = "";
    int _created, _rejected, _other;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Client.Http.Timeout = TimeSpan.FromSeconds(30); // a hang fails the test
        _user = (await Client.CreateUserAsync("target@contoso.test")).Id();
        _group = (await Client.PostJsonAsync("Groups", new JsonObject { ["displayName"] = "Target" })).Id();
    }

    /// <summary>Valid requests to start from: each endpoint that reads a body.</summary>
    (HttpMethod Method, string Path, string Body)[] Templates =>
    [
        (HttpMethod.Post, "Users", """{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u@contoso.test","active":true,"name":{"givenName":"A"},"emails":[{"value":"u@contoso.test","type":"work","primary":true}],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"m"}}}"""),
        (HttpMethod.Post, "Groups", """{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"G","members":[{"value":"00000000-0000-7000-8000-000000000000"}]}"""),
        (HttpMethod.Put, $"Users/{_user}", """{"userName":"target@contoso.test","externalId":"e","phoneNumbers":[{"value":"555","type":"mobile"}]}"""),
        (HttpMethod.Patch, $"Users/{_user}", """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"x@contoso.test"},{"op":"add","value":{"active":"False","name.givenName":"B"}}]}"""),
        (HttpMethod.Patch, $"Groups/{_group}", $$"""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"value":"{{_user}}"}]},{"op":"Remove","path":"members[value eq \"{{_user}}\"]"}]}"""),
        (HttpMethod.Put, $"Groups/{_group}", """{"displayName":"Target","externalId":"x"}"""),
        (HttpMethod.Post, "Users/.search", """{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"userName eq \"a\"","startIndex":1,"count":10,"attributes":["userName"]}"""),
        (HttpMethod.Post, "Groups/.search", """{"filter":"displayName sw \"T\"","excludedAttributes":["members"]}"""),
    ];

    static readonly string[] Tokens =
    [
        "{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "\\ud800", "\\udc00", "\\u0000", "1e400", "-1e400", "-0", "0.1e-400", "null", "true",
        "\"userName\"", "\"emails\"", "\"value\"", "\"members\"", "\"schemas\"", "\"Operations\"", "\"op\"", "\"path\"", "\"active\"", "\"False\"",
        "\"\"", "[[[[[[[[", "{\"a\":{\"a\":{\"a\":", "\"\\ud83d\\ude00\"", "\"/\\\\#?|'%\"", "\"\u00df\u0131\u202e\"", "99999999999999999999999",
    ];

    /// <summary>A template with up to six mutations: cut a range, insert a token, insert or replace a raw byte (any value, so invalid UTF-8 too).</summary>
    Gen<(int Template, byte[] Body)> Mutated => Gen.Select(
        Gen.Int[0, Templates.Length - 1],
        Gen.Select(Gen.Double[0, 1], Gen.Int[0, 3], Gen.Int[0, Tokens.Length - 1], Gen.Byte, Gen.Int[1, 20]).Array[0, 6],
        (template, mutations) =>
        {
            var bytes = Encoding.UTF8.GetBytes(Templates[template].Body).ToList();
            foreach (var (where, kind, token, value, length) in mutations)
            {
                var at = (int)(where * bytes.Count);
                switch (kind)
                {
                    case 0: bytes.RemoveRange(at, Math.Min(length, bytes.Count - at)); break;
                    case 1: bytes.InsertRange(at, Encoding.UTF8.GetBytes(Tokens[token])); break;
                    case 2: bytes.Insert(at, value); break;
                    default: if (at < bytes.Count) bytes[at] = value; break;
                }
            }
            return (template, bytes.ToArray());
        });

    [Fact]
    public async Task Random_mutations_of_valid_requests_get_a_result_or_a_4xx()
    {
        var cases = 0;
        await Check.SampleAsync(Mutated, async sample =>
        {
            Interlocked.Increment(ref cases);
            var (method, path, _) = Templates[sample.Template];
            await SendAsync(method, path, sample.Body);
        }, iter: RandomCases, threads: 4);
        output.WriteLine($"random request bodies: {cases} cases: {_created} succeeded, {_rejected} rejected with a 4xx SCIM error, {_other} other 2xx/4xx");
        await AssertConsistentAsync();
    }

    [Fact]
    public async Task Random_filter_and_paging_text_in_query_strings_gets_200_or_400()
    {
        var text = Gen.Char["ab eqorndtupr()[].\"\\:$-_'%&=+#?/é\u0000\ud800"].Array[0, 60].Select(c => new string(c));
        var cases = 0;
        await Check.SampleAsync(Gen.Select(text, Gen.Int[0, 4]), async (value, parameter) =>
        {
            Interlocked.Increment(ref cases);
            var name = new[] { "filter", "startIndex", "count", "attributes", "sortBy" }[parameter];
            var response = await Client.GetAsync($"Users?{name}={Uri.EscapeDataString(value)}");
            if (response.StatusCode != HttpStatusCode.OK) await response.AssertScimErrorAsync(400);
        }, iter: RandomCases, threads: 4);
        output.WriteLine($"random query strings: {cases} cases");
    }

    [Fact]
    public async Task Filter_values_that_become_row_keys_get_200_or_400()
    {
        var values = new[] { "\\ud800", "\\udc00x", "a\\ud800\\ud800", "\\u0000", "\\u001f\\u007f", "a/b\\\\c#d?e|f'g%2F%", "' or PartitionKey ne '", new string('k', 3_000), "\\ud83d\\ude00" };
        var cases = 0;
        foreach (var value in values)
        {
            foreach (var (collection, filter) in new[]
            {
                ("Users", $"userName eq \"{value}\""), ("Users", $"externalId eq \"{value}\""), ("Users", $"emails[type eq \"work\"].value eq \"{value}\""),
                ("Users", $"emails.value eq \"{value}\""), ("Users", $"id eq \"{value}\""), ("Users", $"title eq \"{value}\""),
                ("Groups", $"displayName eq \"{value}\""), ("Groups", $"externalId eq \"{value}\""), ("Groups", $"members eq \"{value}\""),
            })
            {
                cases += 2;
                var response = await Client.GetAsync($"{collection}?filter={Uri.EscapeDataString(filter)}");
                if (response.StatusCode != HttpStatusCode.OK) await response.AssertScimErrorAsync(400);
                await SendAsync(HttpMethod.Post, $"{collection}/.search", Encoding.UTF8.GetBytes(new JsonObject { ["filter"] = filter }.ToJsonString()));
            }
        }
        output.WriteLine($"filter values that become row keys: {cases} cases");
    }

    public static TheoryData<string, string> Targeted => new()
    {
        { "deep arrays", "{\"userName\":\"d\",\"x\":" + new string('[', 100_000) + new string(']', 100_000) + "}" },
        { "deep objects", string.Concat(Enumerable.Repeat("{\"a\":", 5_000)) + "1" + new string('}', 5_000) },
        { "huge value", "{\"userName\":\"huge@contoso.test\",\"displayName\":\"" + new string('h', 1_000_000) + "\"}" },
        { "large document", "{\"userName\":\"large@contoso.test\",\"roles\":[" + string.Join(',', Enumerable.Repeat("{\"value\":\"" + new string('r', 30_000) + "\"}", 20)) + "]}" },
        { "many attributes", "{\"userName\":\"many@contoso.test\"," + string.Join(',', Enumerable.Range(0, 20_000).Select(i => $"\"k{i}\":{i}")) + "}" },
        { "duplicate keys", "{\"userName\":\"a@contoso.test\",\"userName\":\"b@contoso.test\"}" },
        { "duplicate keys, other casing", "{\"userName\":\"a@contoso.test\",\"USERNAME\":\"b@contoso.test\"}" },
        { "userName number", "{\"userName\":5}" },
        { "userName object", "{\"userName\":{\"value\":\"x\"}}" },
        { "userName array", "{\"userName\":[\"x\"]}" },
        { "userName empty", "{\"userName\":\"\"}" },
        { "userName whitespace", "{\"userName\":\"   \"}" },
        { "userName null", "{\"userName\":null}" },
        { "active out of range", "{\"userName\":\"r@contoso.test\",\"active\":1e400}" },
        { "active string", "{\"userName\":\"s@contoso.test\",\"active\":\"yes\"}" },
        { "emails not array", "{\"userName\":\"e@contoso.test\",\"emails\":\"e@contoso.test\"}" },
        { "emails of numbers", "{\"userName\":\"e2@contoso.test\",\"emails\":[1,2,null,[]]}" },
        { "email value object", "{\"userName\":\"e3@contoso.test\",\"emails\":[{\"value\":{\"x\":1},\"primary\":\"maybe\"}]}" },
        { "two primaries", "{\"userName\":\"e4@contoso.test\",\"emails\":[{\"value\":\"a\",\"primary\":true},{\"value\":\"b\",\"primary\":true}]}" },
        { "name string", "{\"userName\":\"n@contoso.test\",\"name\":\"Alice\"}" },
        { "schemas number", "{\"schemas\":5,\"userName\":\"sc@contoso.test\"}" },
        { "externalId object", "{\"userName\":\"x@contoso.test\",\"externalId\":{}}" },
        { "numbers at the edges", "{\"userName\":\"num@contoso.test\",\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\":{\"employeeNumber\":1e400,\"costCenter\":-0,\"division\":123456789012345678901234567890}}" },
        { "lone high surrogate", "{\"userName\":\"\\ud800@contoso.test\",\"displayName\":\"\\ud800\",\"externalId\":\"\\ud800\",\"emails\":[{\"value\":\"\\ud800\"}]}" },
        { "lone low surrogate", "{\"userName\":\"\\udc00x\",\"externalId\":\"\\udfff\"}" },
        { "NUL characters", "{\"userName\":\"nul\\u0000@contoso.test\",\"displayName\":\"a\\u0000b\",\"externalId\":\"\\u0000\"}" },
        { "control characters", "{\"userName\":\"ctl\\u0001\\u001f\\u007f@contoso.test\",\"externalId\":\"\\t\\n\\r\"}" },
        { "key-unsafe characters", "{\"userName\":\"/\\\\#?|'%2F%@contoso.test\",\"externalId\":\"a/b\\\\c#d?e|f'g\",\"emails\":[{\"value\":\"' or PartitionKey ne '\"}]}" },
        { "very long userName", "{\"userName\":\"" + new string('l', 5_000) + "\",\"externalId\":\"" + new string('e', 5_000) + "\"}" },
        { "emoji and combining", "{\"userName\":\"\\ud83d\\ude00e\\u0301\\u202e@contoso.test\"}" },
        { "case mapping", "{\"userName\":\"stra\u00dfe\u0131\u0130@contoso.test\"}" },
        { "unknown schema data", "{\"schemas\":[\"urn:x\"],\"userName\":\"unk@contoso.test\",\"urn:x\":{\"a\":1},\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\":{\"unknown\":{\"deep\":[1,2]}}}" },
        { "not an object", "[{\"userName\":\"arr@contoso.test\"}]" },
        { "string body", "\"userName\"" },
        { "empty object", "{}" },
        { "trailing garbage", "{\"userName\":\"tg@contoso.test\"} {}" },
        { "comments", "{/* c */\"userName\":\"c@contoso.test\"}" },
        { "trailing comma", "{\"userName\":\"tc@contoso.test\",}" },
        { "single quotes", "{'userName':'sq@contoso.test'}" },
        { "unterminated", "{\"userName\":\"un" },
        { "bad escape", "{\"userName\":\"\\x41\"}" },
        { "short unicode escape", "{\"userName\":\"\\u12\"}" },
    };

    [Theory]
    [MemberData(nameof(Targeted), DisableDiscoveryEnumeration = true)]
    public async Task Targeted_user_bodies_get_a_result_or_a_4xx(string name, string body)
    {
        var response = await SendAsync(HttpMethod.Post, "Users", Encoding.UTF8.GetBytes(body));
        output.WriteLine($"{name}: {(int)response}");
        await AssertConsistentAsync();
    }

    [Fact]
    public async Task Invalid_encodings_are_400()
    {
        var cases = new Dictionary<string, byte[]>
        {
            ["invalid UTF-8 byte"] = [.. "{\"userName\":\""u8, 0xFF, .. "\"}"u8],
            ["overlong encoding"] = [.. "{\"userName\":\""u8, 0xC0, 0xAF, .. "\"}"u8],
            ["encoded surrogate"] = [.. "{\"userName\":\""u8, 0xED, 0xA0, 0x80, .. "\"}"u8],
            ["truncated sequence"] = [.. "{\"userName\":\""u8, 0xE2, 0x82, .. "\"}"u8],
            ["UTF-16"] = Encoding.Unicode.GetBytes("{\"userName\":\"utf16@contoso.test\"}"),
            ["raw NUL"] = [.. "{\"userName\":\"a"u8, 0x00, .. "\"}"u8],
        };
        foreach (var (name, bytes) in cases)
        {
            var status = await SendAsync(HttpMethod.Post, "Users", bytes);
            Assert.True(status == 400, $"{name}: {status}");
        }
        // A UTF-8 byte order mark is tolerated or refused, never a 5xx.
        await SendAsync(HttpMethod.Post, "Users", [0xEF, 0xBB, 0xBF, .. "{\"userName\":\"bom@contoso.test\"}"u8]);
        output.WriteLine($"invalid encodings: {cases.Count + 1} cases");
    }

    [Fact]
    public async Task Wrong_types_in_patch_search_and_group_bodies_get_a_result_or_a_4xx()
    {
        var cases = new (HttpMethod, string, string)[]
        {
            (HttpMethod.Patch, $"Users/{_user}", "{\"Operations\":{}}"),
            (HttpMethod.Patch, $"Users/{_user}", "{\"Operations\":[1,null,\"x\"]}"),
            (HttpMethod.Patch, $"Users/{_user}", "{\"Operations\":[{\"op\":5,\"path\":[],\"value\":{}}]}"),
            (HttpMethod.Patch, $"Users/{_user}", "{\"Operations\":[{\"op\":\"replace\",\"path\":\"active\",\"value\":1e400}]}"),
            (HttpMethod.Patch, $"Users/{_user}", "{\"Operations\":[{\"op\":\"replace\",\"path\":\"userName\",\"value\":\"\\ud800\"}]}"),
            (HttpMethod.Patch, $"Users/{_user}", "{\"Operations\":[{\"op\":\"add\",\"path\":\"emails[type eq \\\"work\\\"].value\",\"value\":\"\\u0000\"}]}"),
            (HttpMethod.Patch, $"Users/{_user}", "{\"Operations\":[{\"op\":\"replace\",\"path\":\"" + new string('(', 5000) + "\",\"value\":1}]}"),
            (HttpMethod.Patch, $"Users/{_user}", "{\"Operations\":[{\"op\":\"remove\",\"path\":\"emails[" + string.Concat(Enumerable.Repeat("value eq \\\"x\\\" or ", 200)) + "type pr]\"}]}"),
            (HttpMethod.Patch, $"Groups/{_group}", "{\"Operations\":[{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":5},{\"value\":null},{\"value\":\"\"},{\"value\":\"\\ud800\"},{\"value\":\"../../x\"},\"bare\",[]]}]}"),
            (HttpMethod.Patch, $"Groups/{_group}", "{\"Operations\":[{\"op\":\"add\",\"path\":\"members\",\"value\":\"" + _user + "\"}]}"),
            (HttpMethod.Patch, $"Groups/{_group}", "{\"Operations\":[{\"op\":\"replace\",\"path\":\"members\",\"value\":{\"value\":{}}}]}"),
            (HttpMethod.Patch, $"Groups/{_group}", "{\"Operations\":[{\"op\":\"remove\",\"path\":\"members[value eq 5]\"}]}"),
            (HttpMethod.Post, "Groups", "{\"displayName\":5}"),
            (HttpMethod.Post, "Groups", "{\"displayName\":\"m\",\"members\":\"x\"}"),
            (HttpMethod.Post, "Groups", "{\"displayName\":\"\\ud800\\u0000/#?\"}"),
            (HttpMethod.Put, $"Groups/{_group}", "{\"displayName\":\"Target\",\"members\":[{\"value\":[1]}]}"),
            (HttpMethod.Post, "Users/.search", "{\"filter\":5}"),
            (HttpMethod.Post, "Users/.search", "{\"attributes\":[1,null,{}]}"),
            (HttpMethod.Post, "Users/.search", "{\"excludedAttributes\":{\"a\":1}}"),
            (HttpMethod.Post, "Users/.search", "{\"startIndex\":1e400,\"count\":-1e400}"),
            (HttpMethod.Post, "Users/.search", "{\"startIndex\":\"1\",\"count\":\"x\"}"),
            (HttpMethod.Post, "Users/.search", "{\"sortBy\":[],\"sortOrder\":{}}"),
            (HttpMethod.Post, "Groups/.search", "{\"filter\":\"members eq 5\"}"),
            (HttpMethod.Post, "Groups/.search", "{\"filter\":\"" + string.Join(" or ", Enumerable.Repeat("a pr", 800)) + "\"}"),
        };
        foreach (var (method, path, body) in cases) await SendAsync(method, path, Encoding.UTF8.GetBytes(body));
        output.WriteLine($"wrong types in PATCH, search and group bodies: {cases.Length} cases: {_created} succeeded, {_rejected} rejected");
        await AssertConsistentAsync();
    }

    /// <summary>Sends one request; asserts a 2xx or a 4xx SCIM error; a created user or group must read back.</summary>
    async Task<int> SendAsync(HttpMethod method, string path, byte[] body)
    {
        var request = new HttpRequestMessage(method, Client.Path(path)) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/scim+json");
        var response = await Client.Http.SendAsync(request);
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync();
        if (status >= 500)
        {
            var sent = Encoding.UTF8.GetString(body);
            Assert.Fail($"{method} {path} answered {status}: {text}\nbody: {sent[..Math.Min(sent.Length, 500)]}");
        }
        if (status >= 400)
        {
            await response.AssertScimErrorAsync(status);
            Interlocked.Increment(ref _rejected);
        }
        else if (status == 201)
        {
            var created = JsonNode.Parse(text)!;
            var location = response.Headers.Location!;
            var read = await Client.Http.GetAsync(location);
            Assert.True(read.StatusCode == HttpStatusCode.OK, $"created {location} does not read back: {(int)read.StatusCode}");
            var again = await read.ReadJsonAsync();
            foreach (var key in new[] { "userName", "displayName", "externalId" })
                Assert.Equal(created[key]?.ToJsonString(), again[key]?.ToJsonString());
            Interlocked.Increment(ref _created);
        }
        else Interlocked.Increment(ref _other);
        return status;
    }

    async Task AssertConsistentAsync()
    {
        var report = await new ConsistencyChecker(Service<ScimTables>().Resources).CheckAsync(Client.Tenant, CancellationToken.None);
        Assert.True(report.Findings.Count == 0, string.Join('\n', report.Findings));
    }
}
