using SetReceiver;

// Receives a tenant's provisioning events pushed by ScimFunctions (`scim-admin events subscribe <tenant> --url <this>`
// prints the issuer, audience and JWKS URL to pass here) and prints what an application would do with each.
//
//   dotnet run --project samples/SetReceiver -- --port 8080 --jwks-url <jwksUrl> --issuer <tenant URL> \
//       --audience <audience> [--bearer <secret the transmitter sends>] [--seen-file seen-jti.log]

if (ReceiverOptions.Parse(args) is not { } options)
{
    Console.Error.WriteLine("""
        usage: SetReceiver --jwks-url <url> --issuer <tenant URL> --audience <audience>
                           [--port 8080] [--bearer <secret>] [--seen-file seen-jti.log]
        """);
    return 2;
}
var app = SetReceiverApp.Build(options, claims => Console.WriteLine(SetReceiverApp.Describe(claims)));
await app.RunAsync();
return 0;
