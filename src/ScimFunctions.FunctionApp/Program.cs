using Microsoft.Extensions.Hosting;
using ScimFunctions.FunctionApp;

FunctionAppHost.Build(args).Run();
