using CraftFlow.ServiceDefaults.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace CraftFlow.Tests.Foundation;

public sealed class RailwayUrlsTests
{
    [Fact]
    public void Database_url_with_encoded_password_and_sslmode_becomes_an_npgsql_connection_string()
    {
        var result = RailwayUrls.ToNpgsqlConnectionString(
            "postgresql://craft%40user:p%40ss%3Aw%2Fo%3Brd@db.railway.internal:6543/railway?sslmode=require&application_name=api");

        var parsed = new NpgsqlConnectionStringBuilder(result);
        Assert.Equal("db.railway.internal", parsed.Host);
        Assert.Equal(6543, parsed.Port);
        Assert.Equal("railway", parsed.Database);
        Assert.Equal("craft@user", parsed.Username);
        Assert.Equal("p@ss:w/o;rd", parsed.Password);
        Assert.Equal(SslMode.Require, parsed.SslMode);
        Assert.Equal("api", parsed.ApplicationName);
    }

    [Fact]
    public void Database_url_without_port_uses_5432_and_postgres_scheme_is_accepted()
    {
        var parsed = new NpgsqlConnectionStringBuilder(RailwayUrls.ToNpgsqlConnectionString("postgres://u:p@host/db"));

        Assert.Equal(5432, parsed.Port);
        Assert.Equal("db", parsed.Database);
    }

    [Fact]
    public void Database_url_with_libpq_dashed_sslmode_maps_to_npgsql_mode()
    {
        var parsed = new NpgsqlConnectionStringBuilder(
            RailwayUrls.ToNpgsqlConnectionString("postgresql://u:p@host:5432/db?sslmode=verify-full&connect_timeout=7"));

        Assert.Equal(SslMode.VerifyFull, parsed.SslMode);
        Assert.Equal(7, parsed.Timeout);
    }

    [Theory]
    [InlineData("mysql://u:p@host/db")]
    [InlineData("not a url")]
    [InlineData("postgresql://u:p@host/db?bogus_option=1")]
    public void Bad_database_url_is_refused_with_a_message_naming_the_variable_or_option(string url)
    {
        var error = Assert.Throws<FormatException>(() => RailwayUrls.ToNpgsqlConnectionString(url));

        Assert.True(error.Message.Contains("DATABASE_URL", StringComparison.Ordinal), error.Message);
        Assert.DoesNotContain(":p@", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("redis://default:s3cr%23t@redis.railway.internal:6380", "redis.railway.internal:6380,password=s3cr#t")]
    [InlineData("redis://redis:6379/2", "redis:6379,defaultDatabase=2")]
    [InlineData("redis://:pw@localhost", "localhost:6379,password=pw")]
    [InlineData("rediss://alice:pw@cache:6379/0", "cache:6379,user=alice,password=pw,defaultDatabase=0,ssl=true")]
    public void Redis_url_becomes_a_freeredis_connection_string(string url, string expected)
    {
        Assert.Equal(expected, RailwayUrls.ToRedisConnectionString(url));
    }

    [Fact]
    public void Redis_url_with_non_numeric_database_is_refused()
    {
        Assert.Throws<FormatException>(() => RailwayUrls.ToRedisConnectionString("redis://host:6379/abc"));
    }

    [Fact]
    public void Railway_variables_fill_aspire_connection_strings_and_port_sets_the_urls()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = "postgresql://u:p@db:5433/railway",
            ["REDIS_URL"] = "redis://cache:6379",
            ["PORT"] = "8081",
        });

        PlatformVariables.Map(builder.Configuration);

        Assert.Contains("Host=db", builder.Configuration.GetConnectionString("craftflowdb"), StringComparison.Ordinal);
        Assert.Equal("cache:6379", builder.Configuration.GetConnectionString("cache"));
        Assert.Equal("http://*:8081", builder.Configuration["urls"]);
    }

    [Fact]
    public void Explicit_connection_string_wins_over_database_url()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:craftflowdb"] = "Host=explicit",
            ["DATABASE_URL"] = "postgresql://u:p@db:5433/railway",
        });

        PlatformVariables.Map(builder.Configuration);

        Assert.Equal("Host=explicit", builder.Configuration.GetConnectionString("craftflowdb"));
    }

    [Theory]
    [InlineData("eighty")]
    [InlineData("70000")]
    public void Bad_port_fails_start_up_naming_the_setting(string port)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["PORT"] = port });

        var error = Assert.Throws<InvalidOperationException>(() => PlatformVariables.Map(builder.Configuration));

        Assert.StartsWith("PORT", error.Message, StringComparison.Ordinal);
    }
}
