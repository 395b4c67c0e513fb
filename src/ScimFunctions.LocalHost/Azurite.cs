using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ScimFunctions.LocalHost;

/// <summary>
/// Azurite's Table service as a child process (the npm package pinned in the repository's package.json),
/// for the local host and the tests. It listens on 127.0.0.1 only and is killed when disposed.
/// </summary>
public sealed class Azurite : IAsyncDisposable
{
    /// <summary>Azurite's well-known development account (public, documented; not a secret).</summary>
    const string DevAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    readonly Process _process;

    Azurite(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DevAccountKey};TableEndpoint=http://127.0.0.1:{Port}/devstoreaccount1;";

    /// <summary>Starts Azurite on <paramref name="port"/> (0: a free port). With a <paramref name="location"/>
    /// data persists there; without one it is in memory and gone when the process ends.</summary>
    public static async Task<Azurite> StartAsync(int port = 0, string? location = null, CancellationToken ct = default)
    {
        var root = RepositoryRoot.Find();
        await EnsureInstalledAsync(root, ct);
        if (port == 0) port = FreePort();
        var args = new List<string>
        {
            Path.Combine(root, "node_modules", "azurite", "dist", "src", "table", "main.js"),
            "--tableHost", "127.0.0.1", "--tablePort", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--skipApiVersionCheck", "--disableProductStyleUrl", "--silent",
        };
        if (location is null) args.Add("--inMemoryPersistence");
        else args.AddRange(["--location", location]);

        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var azurite = new Azurite(process, port);
        try
        {
            await azurite.WaitUntilListeningAsync(TimeSpan.FromSeconds(60), ct);
        }
        catch
        {
            await azurite.DisposeAsync();
            throw;
        }
        return azurite;
    }

    async Task WaitUntilListeningAsync(TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"Azurite exited with code {_process.ExitCode}; is port {Port} in use?");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port, ct);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100, ct);
            }
        }
        throw new TimeoutException($"Azurite did not listen on port {Port} within {timeout.TotalSeconds} s.");
    }

    /// <summary>Runs `npm ci` once if the pinned Azurite is not installed yet.</summary>
    static async Task EnsureInstalledAsync(string root, CancellationToken ct)
    {
        if (File.Exists(Path.Combine(root, "node_modules", "azurite", "package.json"))) return;
        var npm = new ProcessStartInfo(OperatingSystem.IsWindows() ? "npm.cmd" : "npm", "ci --no-audit --no-fund")
        {
            WorkingDirectory = root,
            UseShellExecute = false,
        };
        using var process = Process.Start(npm) ?? throw new InvalidOperationException("Could not start npm; install Node.js 20.");
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0) throw new InvalidOperationException($"npm ci failed with exit code {process.ExitCode}.");
    }

    /// <summary>The version of the pinned Azurite package installed in the repository ("?" when not installed).</summary>
    public static string InstalledVersion()
    {
        var package = Path.Combine(RepositoryRoot.Find(), "node_modules", "azurite", "package.json");
        return File.Exists(package) ? System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(package))?["version"]?.GetValue<string>() ?? "?" : "?";
    }

    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}

/// <summary>Finds the repository root (the folder holding package.json and ScimFunctions.sln).</summary>
public static class RepositoryRoot
{
    public static string Find()
    {
        var built = typeof(RepositoryRoot).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value;
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory, built ?? "" })
        {
            if (start.Length == 0) continue;
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "ScimFunctions.sln")) && File.Exists(Path.Combine(dir.FullName, "package.json")))
                    return dir.FullName;
        }
        throw new InvalidOperationException("Run from inside the ScimFunctions repository (package.json not found).");
    }
}
