using ScimFunctions.Admin;

return await AdminCli.RunAsync(args, Console.Out, Console.Error);
