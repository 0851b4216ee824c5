using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace CraftFlow.Data;

/// <summary>Lets `dotnet ef migrations add` build the model without a running service or database.</summary>
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<CraftFlowDbContext>
{
    public CraftFlowDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<CraftFlowDbContext>();
        DataServiceExtensions.ConfigureDbContext(options, "Host=localhost;Database=craftflowdb");
        return new CraftFlowDbContext(options.Options);
    }
}
