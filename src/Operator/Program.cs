// ferry-operator: the SyncJob controller (DESIGN.md, "Distributed work"). The host is built in issue 5.
Console.Error.WriteLine("ferry-operator: not built yet");
return 2;
