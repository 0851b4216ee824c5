using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CraftFlow.Data.Migrations
{
    /// <inheritdoc />
    public partial class ArtworkRelations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "artwork_key",
                table: "design_images",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "artwork_signature",
                table: "design_images",
                type: "bytea",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "related_design_id",
                table: "design_images",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "relation",
                table: "design_images",
                type: "character varying(20)",
                maxLength: 20,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "relation_distance",
                table: "design_images",
                type: "integer",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_design_images_related_design_id",
                table: "design_images",
                column: "related_design_id");

            migrationBuilder.CreateIndex(
                name: "ix_design_images_user_id_updated_at",
                table: "design_images",
                columns: new[] { "user_id", "updated_at" });

            migrationBuilder.AddForeignKey(
                name: "fk_design_images_design_images_related_design_id",
                table: "design_images",
                column: "related_design_id",
                principalTable: "design_images",
                principalColumn: "id",
                onDelete: ReferentialAction.SetNull);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "fk_design_images_design_images_related_design_id",
                table: "design_images");

            migrationBuilder.DropIndex(
                name: "ix_design_images_related_design_id",
                table: "design_images");

            migrationBuilder.DropIndex(
                name: "ix_design_images_user_id_updated_at",
                table: "design_images");

            migrationBuilder.DropColumn(
                name: "artwork_key",
                table: "design_images");

            migrationBuilder.DropColumn(
                name: "artwork_signature",
                table: "design_images");

            migrationBuilder.DropColumn(
                name: "related_design_id",
                table: "design_images");

            migrationBuilder.DropColumn(
                name: "relation",
                table: "design_images");

            migrationBuilder.DropColumn(
                name: "relation_distance",
                table: "design_images");
        }
    }
}
