using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CraftFlow.Data.Migrations
{
    /// <inheritdoc />
    public partial class BlobReferenceIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_templates_image_sha256",
                table: "templates",
                column: "image_sha256");

            migrationBuilder.CreateIndex(
                name: "ix_mockups_image_sha256",
                table: "mockups",
                column: "image_sha256");

            migrationBuilder.CreateIndex(
                name: "ix_design_images_sha256",
                table: "design_images",
                column: "sha256");

            migrationBuilder.CreateIndex(
                name: "ix_design_images_thumbnail_sha256",
                table: "design_images",
                column: "thumbnail_sha256");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_templates_image_sha256",
                table: "templates");

            migrationBuilder.DropIndex(
                name: "ix_mockups_image_sha256",
                table: "mockups");

            migrationBuilder.DropIndex(
                name: "ix_design_images_sha256",
                table: "design_images");

            migrationBuilder.DropIndex(
                name: "ix_design_images_thumbnail_sha256",
                table: "design_images");
        }
    }
}
