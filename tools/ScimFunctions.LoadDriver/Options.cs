using System.Globalization;

namespace ScimFunctions.LoadDriver;

/// <summary>Command-line options. Every option has a default, so the bare command runs the default cycle.</summary>
public sealed record DriverOptions
{
    public string Mode { get; init; } = "cycle";
    public string? Url { get; init; }
    public string? Token { get; init; }
    /// <summary>For the floor against an external target: the storage the target uses.</summary>
    public string? ConnectionString { get; init; }
    /// <summary>Default: "load" for the local host the driver starts, the service's "scim" for an external target.</summary>
    public string? TablePrefix { get; init; }
    public int Users { get; init; } = 10_000;
    public int Groups { get; init; } = 100;
    public int LargestGroup { get; init; } = 20_000;
    public int Concurrency { get; init; } = 8;
    public double ManagerShare { get; init; } = 0.5;
    public int Seed { get; init; } = 7;
    public bool Floor { get; init; } = true;
    public int FloorIterations { get; init; } = 400;
    public string Out { get; init; } = "bench/results/load";
    /// <summary>cold-start: how many process starts, and an existing publish folder to reuse.</summary>
    public int Runs { get; init; } = 5;
    public string? PublishDir { get; init; }
    public bool ReadyToRun { get; init; }
    /// <summary>cycle: how many local hosts share the one Azurite (the cycle's requests go to each in turn).</summary>
    public int Hosts { get; init; } = 1;
    /// <summary>cycle against an external target: more base URLs of the same tenant (other instances), taken in turn with --url.</summary>
    public IReadOnlyList<string> AlsoUrls { get; init; } = [];

    public const string Usage = """
        usage:
          ScimFunctions.LoadDriver [cycle] [--users N] [--groups G] [--largest-group L] [--concurrency C]
                                   [--manager-share 0.5] [--seed S] [--out DIR] [--no-floor] [--floor-iterations K]
                                   [--url BASE --token TOKEN [--also-url BASE2]... [--connection-string CS --table-prefix P]]
                                   [--hosts N]   (local: N hosts over the one Azurite, requests spread over them in turn)
          ScimFunctions.LoadDriver cold-start [--runs 5] [--publish-dir DIR] [--ready-to-run] [--out DIR]
          ScimFunctions.LoadDriver report [--out DIR]     (rewrites cycle.md and the chart from DIR/cycle.json)
          ScimFunctions.LoadDriver alloc [--largest-group 10000] [--out DIR]   (allocation per request, small vs large group)
        Without --url, in-memory Azurite and the local host are started in-process and a tenant is created.
        """;

    public static DriverOptions? Parse(string[] args)
    {
        var o = new DriverOptions();
        var i = 0;
        if (args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal)) o = o with { Mode = args[i++] };
        if (o.Mode is not ("cycle" or "cold-start" or "report" or "alloc")) return null;
        for (; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            o = args[i] switch
            {
                "--url" => o with { Url = Next().TrimEnd('/') },
                "--token" => o with { Token = Next() },
                "--connection-string" => o with { ConnectionString = Next() },
                "--table-prefix" => o with { TablePrefix = Next() },
                "--users" => o with { Users = Int() },
                "--groups" => o with { Groups = Int() },
                "--largest-group" => o with { LargestGroup = Int() },
                "--concurrency" => o with { Concurrency = Int() },
                "--manager-share" => o with { ManagerShare = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--seed" => o with { Seed = Int() },
                "--no-floor" => o with { Floor = false },
                "--floor-iterations" => o with { FloorIterations = Int() },
                "--out" => o with { Out = Next() },
                "--runs" => o with { Runs = Int() },
                "--publish-dir" => o with { PublishDir = Next() },
                "--ready-to-run" => o with { ReadyToRun = true },
                "--hosts" => o with { Hosts = Int() },
                "--also-url" => o with { AlsoUrls = [.. o.AlsoUrls, Next().TrimEnd('/')] },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        if ((o.Url is null) != (o.Token is null)) throw new ArgumentException("--url and --token go together");
        if (o.Users < 1 || o.Groups < 0 || o.Concurrency < 1 || o.Hosts < 1) throw new ArgumentException("--users, --concurrency, --hosts must be positive");
        if (o.Hosts > 1 && o.Url is not null) throw new ArgumentException("--hosts starts local hosts; for an external target give each instance with --also-url");
        return o;
    }
}
