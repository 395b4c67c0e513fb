using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using ScimFunctions.LocalHost;

namespace ScimFunctions.LoadDriver;

/// <summary>
/// Cold start of the released local host: `dotnet publish -c Release` to a temporary folder, then per run a
/// new process (`dotnet ScimFunctions.LocalHost.dll`) with Storage:ConnectionString pointing at an already
/// running in-memory Azurite whose tables exist, timed from Process.Start to the first successful SCIM
/// response (GET /Users?filter=userName eq …, with the token the host prints after it starts listening).
/// The host's own startup work is included: configuration, DI, the tables check, the demo tenant, a token issue.
/// </summary>
public static class ColdStart
{
    public sealed record Run(double ListeningMs, double FirstResponseMs);

    public static async Task<(List<Run> Runs, string PublishDir, string Publish)> MeasureAsync(DriverOptions o)
    {
        var root = RepositoryRoot.Find();
        var publishDir = o.PublishDir ?? Path.Combine(Path.GetTempPath(), "scim-coldstart-" + Guid.NewGuid().ToString("N")[..8]);
        var publish = $"dotnet publish src/ScimFunctions.LocalHost -c Release -o {publishDir} --artifacts-path {publishDir}-artifacts"
            + (o.ReadyToRun ? " -r linux-x64 --self-contained false -p:PublishReadyToRun=true" : "");
        if (o.PublishDir is null)
        {
            Console.WriteLine(publish);
            var (code, output) = await ExecAsync("dotnet", publish["dotnet ".Length..], root);
            if (code != 0) throw new InvalidOperationException($"publish failed:\n{output}");
        }

        await using var azurite = await Azurite.StartAsync();
        const string Prefix = "cold";
        // Tables created up front: a deployed app finds them (the host still checks, one request per table).
        var tables = new ScimFunctions.Storage.ScimTables(new ScimFunctions.Storage.StorageOptions { ConnectionString = azurite.ConnectionString, TablePrefix = Prefix },
            new ScimFunctions.Storage.Tables.StorageRequestCounter());
        await tables.EnsureCreatedAsync();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        // The driver's own HTTP stack is JIT-compiled before the first timed run.
        (await http.GetAsync($"http://127.0.0.1:{azurite.Port}/devstoreaccount1/Tables")).Dispose();

        var runs = new List<Run>();
        for (var i = 1; i <= o.Runs; i++)
        {
            var run = await OnceAsync(publishDir, azurite.ConnectionString, Prefix, http);
            runs.Add(run);
            Console.WriteLine($"  cold start {i}: listening after {run.ListeningMs:0} ms, first SCIM response after {run.FirstResponseMs:0} ms");
        }
        return (runs, publishDir, publish);
    }

    static async Task<Run> OnceAsync(string publishDir, string connectionString, string prefix, HttpClient http)
    {
        var port = Azurite.FreePort();
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = publishDir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(publishDir, "ScimFunctions.LocalHost.dll"), "--Urls", $"http://127.0.0.1:{port}",
                     "--Storage:ConnectionString", connectionString, "--Storage:TablePrefix", prefix })
            start.ArgumentList.Add(a);
        var token = new TaskCompletionSource<(string Url, string Token)>(TaskCreationOptions.RunContinuationsAsynchronously);
        string? url = null;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("Tenant URL: ", StringComparison.Ordinal) == true) url = e.Data["Tenant URL: ".Length..].Trim();
            if (e.Data?.StartsWith("Secret Token: ", StringComparison.Ordinal) == true && url is not null) token.TrySetResult((url, e.Data["Secret Token: ".Length..].Trim()));
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var ready = await token.Task.WaitAsync(TimeSpan.FromSeconds(60));
            var listening = clock.Elapsed.TotalMilliseconds;
            var filter = Uri.EscapeDataString($"userName eq \"{Guid.NewGuid()}\"");
            while (true)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"{ready.Url}/Users?filter={filter}");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ready.Token);
                try
                {
                    using var response = await http.SendAsync(request);
                    if (response.StatusCode == HttpStatusCode.OK) return new Run(listening, clock.Elapsed.TotalMilliseconds);
                }
                catch (HttpRequestException) { }
                if (clock.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException("no successful SCIM response within 60 s");
                await Task.Delay(5);
            }
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    static async Task<(int Code, string Output)> ExecAsync(string file, string arguments, string directory)
    {
        var start = new ProcessStartInfo(file, arguments) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }
}
