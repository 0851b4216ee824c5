using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace CraftFlow.Data.Migrations
{
    /// <inheritdoc />
    public partial class EtsyIntegration : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_platform_connections_user_id",
                table: "platform_connections");

            migrationBuilder.AlterColumn<string>(
                name: "shop_name",
                table: "platform_connections",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "text",
                oldNullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "shop_id",
                table: "platform_connections",
                type: "character varying(40)",
                maxLength: 40,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "text",
                oldNullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "access_token_encrypted",
                table: "platform_connections",
                type: "text",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "text");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "disconnected_at",
                table: "platform_connections",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "external_user_id",
                table: "platform_connections",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "inactive_reason",
                table: "platform_connections",
                type: "character varying(1000)",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "token_refreshed_at",
                table: "platform_connections",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "create_requested_at",
                table: "etsy_listings",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "draft",
                table: "etsy_listings",
                type: "jsonb",
                nullable: false,
                defaultValue: "{}");

            migrationBuilder.AddColumn<string>(
                name: "etsy_state",
                table: "etsy_listings",
                type: "character varying(20)",
                maxLength: 20,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "etsy_url",
                table: "etsy_listings",
                type: "character varying(500)",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "external_image_id",
                table: "etsy_listings",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "job_id",
                table: "etsy_listings",
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "data_protection_keys",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    friendly_name = table.Column<string>(type: "text", nullable: true),
                    xml = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_data_protection_keys", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "etsy_oauth_states",
                columns: table => new
                {
                    state_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    code_verifier_encrypted = table.Column<string>(type: "text", nullable: false),
                    redirect_uri = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_etsy_oauth_states", x => x.state_hash);
                    table.ForeignKey(
                        name: "fk_etsy_oauth_states_users_user_id",
                        column: x => x.user_id,
                        principalTable: "users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_platform_connections_user_shop",
                table: "platform_connections",
                columns: new[] { "user_id", "platform", "shop_id" },
                unique: true,
                filter: "disconnected_at IS NULL");

            migrationBuilder.CreateIndex(
                name: "ix_etsy_listings_external_listing_id",
                table: "etsy_listings",
                column: "external_listing_id",
                unique: true,
                filter: "external_listing_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_etsy_oauth_states_expires_at",
                table: "etsy_oauth_states",
                column: "expires_at");

            migrationBuilder.CreateIndex(
                name: "ix_etsy_oauth_states_user_id",
                table: "etsy_oauth_states",
                column: "user_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "data_protection_keys");

            migrationBuilder.DropTable(
                name: "etsy_oauth_states");

            migrationBuilder.DropIndex(
                name: "ix_platform_connections_user_shop",
                table: "platform_connections");

            migrationBuilder.DropIndex(
                name: "ix_etsy_listings_external_listing_id",
                table: "etsy_listings");

            migrationBuilder.DropColumn(
                name: "disconnected_at",
                table: "platform_connections");

            migrationBuilder.DropColumn(
                name: "external_user_id",
                table: "platform_connections");

            migrationBuilder.DropColumn(
                name: "inactive_reason",
                table: "platform_connections");

            migrationBuilder.DropColumn(
                name: "token_refreshed_at",
                table: "platform_connections");

            migrationBuilder.DropColumn(
                name: "create_requested_at",
                table: "etsy_listings");

            migrationBuilder.DropColumn(
                name: "draft",
                table: "etsy_listings");

            migrationBuilder.DropColumn(
                name: "etsy_state",
                table: "etsy_listings");

            migrationBuilder.DropColumn(
                name: "etsy_url",
                table: "etsy_listings");

            migrationBuilder.DropColumn(
                name: "external_image_id",
                table: "etsy_listings");

            migrationBuilder.DropColumn(
                name: "job_id",
                table: "etsy_listings");

            migrationBuilder.AlterColumn<string>(
                name: "shop_name",
                table: "platform_connections",
                type: "text",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "character varying(200)",
                oldMaxLength: 200,
                oldNullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "shop_id",
                table: "platform_connections",
                type: "text",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "character varying(40)",
                oldMaxLength: 40,
                oldNullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "access_token_encrypted",
                table: "platform_connections",
                type: "text",
                nullable: false,
                defaultValue: "",
                oldClrType: typeof(string),
                oldType: "text",
                oldNullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_platform_connections_user_id",
                table: "platform_connections",
                column: "user_id");
        }
    }
}
