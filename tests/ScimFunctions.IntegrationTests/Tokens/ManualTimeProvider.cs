namespace ScimFunctions.IntegrationTests.Tokens;

/// <summary>A clock the test moves by hand. Starts at a whole second, because Key Vault keeps expiry in
/// whole seconds and the stores are compared record for record.</summary>
public sealed class ManualTimeProvider : TimeProvider
{
    long _ticks = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()).UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
