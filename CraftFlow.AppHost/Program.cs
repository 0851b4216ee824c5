Console.WriteLine("CraftFlow AppHost");
