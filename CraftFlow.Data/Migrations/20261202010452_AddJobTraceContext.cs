using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CraftFlow.Data.Migrations
{
    /// <inheritdoc />
    public partial class AddJobTraceContext : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "trace_context",
                table: "jobs",
                type: "jsonb",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "trace_context",
                table: "jobs");
        }
    }
}
