using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Routing;
using ScimFunctions.LocalHost;
using ScimFunctions.Protocol;
using ScimFunctions.Storage;

namespace ScimFunctions.FunctionApp.Tests;

/// <summary>
/// The functions.metadata the Worker Sdk generates is what the Functions host reads to bind triggers. It must bind
/// exactly the routes the local host maps (both come from <see cref="ScimRoutes"/>), anonymously (Entra sends no
/// function key; the handlers check the bearer token), with every method the shared dispatcher answers (it gives
/// the 405s), and the timers on the MaintenanceSchedule and EventDeliverySchedule app settings.
/// </summary>
public sealed class FunctionsMetadataTests
{
    static readonly string[] ScimMethods = ["get", "post", "put", "patch", "delete"];

    static readonly Lazy<JsonArray> Metadata = new(() => JsonNode.Parse(File.ReadAllText(FunctionAppPaths.FunctionsMetadata))!.AsArray());

    static IEnumerable<JsonObject> Functions => Metadata.Value.Select(f => f!.AsObject());

    static JsonObject Trigger(JsonObject function) =>
        function["bindings"]!.AsArray().Select(b => b!.AsObject()).Single(b => b["direction"]!.GetValue<string>() == "In");

    static IEnumerable<JsonObject> HttpTriggers => Functions.Select(Trigger).Where(t => t["type"]!.GetValue<string>() == "httpTrigger");

    static IEnumerable<string> Strings(JsonNode? array) => array!.AsArray().Select(m => m!.GetValue<string>());

    [Fact]
    public void Http_triggers_bind_exactly_the_local_hosts_routes()
    {
        // The local host, built as `dotnet run` builds it (not started): its route table is MapScim's.
        using var app = LocalScimHost.Build([], new Dictionary<string, string?> { ["Storage:ConnectionString"] = "UseDevelopmentStorage=true" });
        var local = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Select(e => e.RoutePattern.RawText!).Order(StringComparer.Ordinal).ToArray();
        var functions = HttpTriggers.Select(t => t["route"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(local, functions);
        var table = typeof(ScimRoutes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetRawConstantValue()!).ToHashSet();
        Assert.All(functions, route => Assert.Contains(route, table));
        Assert.Contains(ScimRoutes.Health, functions);
        Assert.Contains(ScimRoutes.Fallback, functions);
        Assert.Contains(ScimRoutes.EventKeys, functions);
    }

    [Fact]
    public void Every_http_trigger_is_anonymous()
    {
        Assert.NotEmpty(HttpTriggers);
        Assert.All(HttpTriggers, t => Assert.Equal("Anonymous", t["authLevel"]!.GetValue<string>()));
    }

    [Fact]
    public void Scim_routes_take_every_method_the_dispatcher_answers_and_health_and_the_keys_take_get()
    {
        string[] getOnly = [ScimRoutes.Health, ScimRoutes.EventKeys];
        foreach (var trigger in HttpTriggers)
        {
            var route = trigger["route"]!.GetValue<string>();
            var methods = Strings(trigger["methods"]).Order().ToArray();
            if (getOnly.Contains(route)) Assert.Equal(["get"], methods);
            else Assert.True(ScimMethods.Order().SequenceEqual(methods), $"{route}: {string.Join(", ", methods)}");
        }
    }

    [Theory]
    [InlineData("Maintenance", AppSettings.MaintenanceSchedule)]
    [InlineData("EventDelivery", AppSettings.EventDeliverySchedule)]
    public void Timers_run_on_their_app_setting_and_not_on_startup(string name, string setting)
    {
        var timer = Trigger(Functions.Single(f => f["name"]!.GetValue<string>() == name));

        Assert.Equal("timerTrigger", timer["type"]!.GetValue<string>());
        Assert.Equal("%" + setting + "%", timer["schedule"]!.GetValue<string>());
        Assert.NotEqual(true, timer["runOnStartup"]?.GetValue<bool>());
        Assert.Equal(2, Functions.Select(Trigger).Select(t => t["type"]!.GetValue<string>()).Distinct().Count());
        Assert.Equal(2, Functions.Select(Trigger).Count(t => t["type"]!.GetValue<string>() == "timerTrigger"));
    }

    [Fact]
    public void Every_entry_point_is_a_function_method_of_the_app()
    {
        var assembly = typeof(FunctionAppHost).Assembly;
        foreach (var function in Functions)
        {
            Assert.Equal(Path.GetFileName(assembly.Location), function["scriptFile"]!.GetValue<string>());
            var entryPoint = function["entryPoint"]!.GetValue<string>();
            var type = assembly.GetType(entryPoint[..entryPoint.LastIndexOf('.')], throwOnError: true)!;
            var method = type.GetMethod(entryPoint[(entryPoint.LastIndexOf('.') + 1)..]);
            Assert.NotNull(method);
            var name = method!.GetCustomAttribute<Microsoft.Azure.Functions.Worker.FunctionAttribute>()?.Name;
            Assert.Equal(function["name"]!.GetValue<string>(), name);
        }
        // And every [Function] method is in the metadata.
        var declared = assembly.GetTypes().SelectMany(t => t.GetMethods())
            .Select(m => m.GetCustomAttribute<Microsoft.Azure.Functions.Worker.FunctionAttribute>()?.Name).OfType<string>().Order();
        Assert.Equal(declared, Functions.Select(f => f["name"]!.GetValue<string>()).Order());
    }
}
