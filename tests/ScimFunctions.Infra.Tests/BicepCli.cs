using System.Diagnostics;

namespace ScimFunctions.Infra.Tests;

/// <summary>What one run of the Bicep CLI printed and returned.</summary>
internal sealed record BicepResult(int ExitCode, string StdOut, string StdErr)
{
    public override string ToString() => $"exit code {ExitCode}\n--- stdout ---\n{StdOut}\n--- stderr ---\n{StdErr}";
}

/// <summary>Runs the Bicep CLI that NuGet restored (Azure.Bicep.CommandLine.linux-x64).</summary>
internal static class BicepCli
{
    private static readonly Lazy<string> path = new(Locate);

    public static string ExecutablePath => path.Value;

    public static BicepResult Run(params string[] arguments)
    {
        var start = new ProcessStartInfo(ExecutablePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoPaths.Root,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {ExecutablePath}.");
        // Read both streams concurrently so that neither pipe can fill up and block the CLI.
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} did not finish in 3 minutes.");
        }

        process.WaitForExit();
        return new BicepResult(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    private static string Locate()
    {
        var bicep = RepoPaths.Metadata("BicepPath");
        if (string.IsNullOrEmpty(bicep))
        {
            throw new InvalidOperationException("The test assembly has no BicepPath metadata: see the .csproj.");
        }

        if (!File.Exists(bicep))
        {
            // An empty $(PkgAzure_Bicep_CommandLine_linux-x64) leaves "/tools/bicep" here.
            throw new FileNotFoundException(
                $"The Bicep CLI is not at '{bicep}': restore Azure.Bicep.CommandLine.linux-x64 (GeneratePathProperty=\"true\").", bicep);
        }

        // NuGet extracts the binary with its execute bit on most systems, but not everywhere.
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(bicep);
            if ((mode & UnixFileMode.UserExecute) == 0)
            {
                File.SetUnixFileMode(bicep, mode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            }
        }

        return bicep;
    }
}
