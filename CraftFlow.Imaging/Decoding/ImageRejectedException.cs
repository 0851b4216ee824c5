namespace CraftFlow.Imaging.Decoding;

/// <summary>An image was refused; <see cref="Reason"/> says why, callers map it to a 4xx answer.</summary>
public sealed class ImageRejectedException : Exception
{
    public ImageRejectedException()
        : this(ImageRejectionReason.Corrupt, "The image was rejected.")
    {
    }

    public ImageRejectedException(string message)
        : this(ImageRejectionReason.Corrupt, message)
    {
    }

    public ImageRejectedException(string message, Exception innerException)
        : this(ImageRejectionReason.Corrupt, message, innerException)
    {
    }

    public ImageRejectedException(ImageRejectionReason reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
    }

    public ImageRejectionReason Reason { get; }
}
