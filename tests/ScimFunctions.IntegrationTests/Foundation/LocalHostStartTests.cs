using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ScimFunctions.LocalHost;

namespace ScimFunctions.IntegrationTests.Foundation;

/// <summary>Starting the local host while its port is taken (another copy running) fails at once with one line,
/// before it starts an Azurite of its own on the shared data folder.</summary>
public sealed class LocalHostStartTests
{
    [Fact]
    public async Task Busy_port_prints_one_line_and_exits_non_zero_before_starting_azurite()
    {
        using var other = new TcpListener(IPAddress.Loopback, 0);
        other.Start();
        var port = ((IPEndPoint)other.LocalEndpoint).Port;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { typeof(LocalScimHost).Assembly.Location, "--urls", $"http://localhost:{port}" }) start.ArgumentList.Add(a);
        // No storage configured: past the check it would start Azurite (and print where).
        start.Environment.Remove("Storage__ConnectionString");
        start.Environment.Remove("Storage__TableEndpoint");

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }

        Assert.Equal(1, process.ExitCode);
        Assert.Equal("", await stdout);
        var line = Assert.Single((await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"Port {port} is already in use", line, StringComparison.Ordinal);
    }
}
