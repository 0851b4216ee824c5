using CraftFlow.Data.Entities;
using CraftFlow.Data.Jobs;
using CraftFlow.Data.Storage;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace CraftFlow.Data;

public sealed class CraftFlowDbContext(DbContextOptions<CraftFlowDbContext> options) : DbContext(options), IDataProtectionKeyContext
{
    public DbSet<User> Users => Set<User>();

    public DbSet<UserToken> UserTokens => Set<UserToken>();

    public DbSet<Template> Templates => Set<Template>();

    public DbSet<DesignImage> DesignImages => Set<DesignImage>();

    public DbSet<UploadBatch> UploadBatches => Set<UploadBatch>();

    public DbSet<Mockup> Mockups => Set<Mockup>();

    public DbSet<PlatformConnection> PlatformConnections => Set<PlatformConnection>();

    public DbSet<EtsyListing> EtsyListings => Set<EtsyListing>();

    public DbSet<EtsyOAuthState> EtsyOAuthStates => Set<EtsyOAuthState>();

    /// <summary>ASP.NET Core Data Protection's key ring, shared by the API and the Worker (they encrypt Etsy tokens).</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<Job> Jobs => Set<Job>();

    public DbSet<BlobRecord> Blobs => Set<BlobRecord>();

    public DbSet<BlobChunk> BlobChunks => Set<BlobChunk>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<User>(user =>
        {
            user.Property(u => u.Email).HasMaxLength(320);
            user.HasIndex(u => u.Email).IsUnique();
        });

        modelBuilder.Entity<UserToken>(token =>
        {
            token.Property(t => t.Name).HasMaxLength(100);
            token.HasIndex(t => t.TokenHash).IsUnique();
            token.HasIndex(t => t.UserId);
            token.HasOne(t => t.User).WithMany(u => u.Tokens).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<Template>(template =>
        {
            template.Property(t => t.Name).HasMaxLength(200);
            template.Property(t => t.ImageSha256).HasMaxLength(64);
            template.HasOne(t => t.User).WithMany().OnDelete(DeleteBehavior.Cascade);
            template.HasIndex(t => new { t.UserId, t.CreatedAt });
            template.HasIndex(t => t.ImageSha256);
            UseXminAsVersion(template);
        });

        modelBuilder.Entity<UploadBatch>(batch =>
        {
            batch.HasOne(b => b.User).WithMany().OnDelete(DeleteBehavior.Cascade);
            batch.HasIndex(b => b.UserId);
        });

        modelBuilder.Entity<DesignImage>(design =>
        {
            design.Property(d => d.Title).HasMaxLength(300);
            design.Property(d => d.OriginalFileName).HasMaxLength(300);
            design.Property(d => d.ContentType).HasMaxLength(100);
            design.Property(d => d.Sha256).HasMaxLength(64);
            design.Property(d => d.ThumbnailSha256).HasMaxLength(64);
            design.Property(d => d.Status).HasConversion(LowerCaseEnum<DesignStatus>()).HasMaxLength(20);
            design.HasOne(d => d.User).WithMany().OnDelete(DeleteBehavior.Cascade);
            // Deleting a template or a batch must not delete designs: they keep existing without it.
            design.HasOne(d => d.Template).WithMany().OnDelete(DeleteBehavior.SetNull);
            design.HasOne(d => d.UploadBatch).WithMany().OnDelete(DeleteBehavior.SetNull);
            design.HasOne(d => d.DuplicateOf).WithMany().OnDelete(DeleteBehavior.SetNull);
            design.HasOne(d => d.RelatedDesign).WithMany().OnDelete(DeleteBehavior.SetNull);
            design.Property(d => d.Relation).HasMaxLength(20);
            // Gallery keyset pagination: created_at desc, id desc.
            design.HasIndex(d => new { d.UserId, d.CreatedAt, d.Id }).IsDescending(false, true, true);
            // Exact byte duplicates.
            design.HasIndex(d => new { d.UserId, d.Sha256 });
            // Whether a blob is still referenced (the maintenance job's garbage collection).
            design.HasIndex(d => d.Sha256);
            design.HasIndex(d => d.ThumbnailSha256);
            // The Worker's refresh of a seller's duplicate index: the rows changed since its last look.
            design.HasIndex(d => new { d.UserId, d.UpdatedAt });
            UseXminAsVersion(design);
        });

        modelBuilder.Entity<Mockup>(mockup =>
        {
            mockup.Property(m => m.Status).HasConversion(LowerCaseEnum<MockupStatus>()).HasMaxLength(20);
            mockup.Property(m => m.ImageSha256).HasMaxLength(64);
            mockup.HasOne(m => m.User).WithMany().OnDelete(DeleteBehavior.Cascade);
            mockup.HasOne(m => m.DesignImage).WithMany().OnDelete(DeleteBehavior.Cascade);
            mockup.HasOne(m => m.Template).WithMany().OnDelete(DeleteBehavior.Cascade);
            mockup.HasIndex(m => new { m.UserId, m.CreatedAt });
            mockup.HasIndex(m => m.ImageSha256);
            UseXminAsVersion(mockup);
        });

        modelBuilder.Entity<PlatformConnection>(connection =>
        {
            connection.Property(c => c.Platform).HasMaxLength(20);
            connection.Property(c => c.ShopId).HasMaxLength(40);
            connection.Property(c => c.ShopName).HasMaxLength(200);
            connection.Property(c => c.InactiveReason).HasMaxLength(1000);
            connection.HasOne(c => c.User).WithMany().OnDelete(DeleteBehavior.Cascade);
            // Reconnecting a shop updates its row: one live connection per user and shop.
            connection.HasIndex(c => new { c.UserId, c.Platform, c.ShopId })
                .HasDatabaseName("ix_platform_connections_user_shop")
                .IsUnique()
                .HasFilter("disconnected_at IS NULL");
            UseXminAsVersion(connection);
        });

        modelBuilder.Entity<EtsyListing>(listing =>
        {
            listing.Property(l => l.Title).HasMaxLength(140);
            listing.Property(l => l.Price).HasPrecision(12, 2);
            listing.Property(l => l.Status).HasConversion(LowerCaseEnum<ListingStatus>()).HasMaxLength(20);
            listing.Property(l => l.Draft).HasColumnType("jsonb");
            listing.Property(l => l.EtsyState).HasMaxLength(20);
            listing.Property(l => l.EtsyUrl).HasMaxLength(500);
            // An Etsy listing belongs to one of our rows: a retry that adopts a draft it finds cannot take another's.
            listing.HasIndex(l => l.ExternalListingId)
                .HasDatabaseName("ix_etsy_listings_external_listing_id")
                .IsUnique()
                .HasFilter("external_listing_id IS NOT NULL");
            listing.HasOne(l => l.User).WithMany().OnDelete(DeleteBehavior.Cascade);
            // A listing is a record of what was published; losing the connection or design keeps it.
            listing.HasOne(l => l.Connection).WithMany().OnDelete(DeleteBehavior.Restrict);
            listing.HasOne(l => l.DesignImage).WithMany().OnDelete(DeleteBehavior.SetNull);
            listing.HasOne(l => l.Mockup).WithMany().OnDelete(DeleteBehavior.SetNull);
            UseXminAsVersion(listing);
        });

        modelBuilder.Entity<EtsyOAuthState>(state =>
        {
            state.ToTable("etsy_oauth_states");
            state.HasKey(s => s.StateHash);
            state.Property(s => s.StateHash).HasMaxLength(64);
            state.Property(s => s.RedirectUri).HasMaxLength(2000);
            state.HasOne(s => s.User).WithMany().OnDelete(DeleteBehavior.Cascade);
            // Expired states are swept by time.
            state.HasIndex(s => s.ExpiresAt);
        });

        modelBuilder.Entity<Job>(job =>
        {
            job.Property(j => j.Queue).HasMaxLength(50);
            job.Property(j => j.Kind).HasMaxLength(100);
            job.Property(j => j.Payload).HasColumnType("jsonb");
            job.Property(j => j.State).HasConversion(LowerCaseEnum<JobState>()).HasMaxLength(20);
            job.Property(j => j.UniqueKey).HasMaxLength(200);
            job.Property(j => j.LockedBy).HasMaxLength(200);
            job.Property(j => j.TraceContext).HasColumnType("jsonb");
            // What a claim reads: available jobs of a queue in priority, run_at, id order.
            job.HasIndex(j => new { j.Queue, j.Priority, j.RunAt, j.Id })
                .HasDatabaseName("ix_jobs_claim")
                .HasFilter("state = 'available'");
            // Expired leases of crashed workers.
            job.HasIndex(j => j.LeaseExpiresAt)
                .HasDatabaseName("ix_jobs_lease")
                .HasFilter("state = 'running'");
            // One pending or running job per unique key; the database enforces it atomically.
            job.HasIndex(j => j.UniqueKey)
                .HasDatabaseName("ix_jobs_unique_key")
                .IsUnique()
                .HasFilter("unique_key IS NOT NULL AND state IN ('available', 'running')");
            job.HasIndex(j => j.FinishedAt)
                .HasDatabaseName("ix_jobs_finished")
                .HasFilter("finished_at IS NOT NULL");
            job.HasIndex(j => j.UserId);
        });

        ConfigureBlobs(modelBuilder);
    }

    private static void ConfigureBlobs(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<BlobRecord>(blob =>
        {
            blob.ToTable("blobs");
            blob.HasKey(b => b.Sha256);
            blob.Property(b => b.Sha256).HasMaxLength(64);
        });
        modelBuilder.Entity<BlobChunk>(chunk =>
        {
            chunk.ToTable("blob_chunks");
            chunk.HasKey(c => new { c.Sha256, c.Sequence });
            chunk.Property(c => c.Sha256).HasMaxLength(64);
            chunk.HasOne<BlobRecord>().WithMany().HasForeignKey(c => c.Sha256).OnDelete(DeleteBehavior.Cascade);
        });
    }

    private static void UseXminAsVersion<T>(EntityTypeBuilder<T> entity)
        where T : class
        => entity.Property<uint>("Version").IsRowVersion();

    private static ValueConverter<TEnum, string> LowerCaseEnum<TEnum>()
        where TEnum : struct, Enum
        => new(value => value.ToString().ToLowerInvariant(), text => Enum.Parse<TEnum>(text, true));
}
