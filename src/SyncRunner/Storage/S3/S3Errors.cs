using System.Net;
using System.Net.Sockets;
using System.Xml;
using Amazon.Runtime;
using Polly;
using Polly.Retry;

namespace Ferry.SyncRunner.Storage.S3;

/// <summary>Classifies S3 failures (transient or permanent) and turns them into <see cref="StorageException"/>s
/// whose messages name the operation, key, bucket and endpoint but never a credential.</summary>
internal static class S3Errors
{
    private static readonly HashSet<string> TransientCodes = new(StringComparer.Ordinal)
    {
        "SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "RequestTimeoutException",
        "InternalError", "ServiceUnavailable", "RequestLimitExceeded", "BandwidthLimitExceeded",
    };

    /// <summary>Builds the retry pipeline: exponential backoff with jitter over transient errors.</summary>
    public static ResiliencePipeline CreatePipeline(S3StorageOptions options) =>
        new ResiliencePipelineBuilder { TimeProvider = options.TimeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = Math.Max(options.MaxRetries, 0) is 0 ? 1 : options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.RetryMaxDelay,
                ShouldHandle = args => ValueTask.FromResult(
                    options.MaxRetries > 0
                    && args.Outcome.Exception is { } e
                    && !args.Context.CancellationToken.IsCancellationRequested
                    && IsTransient(e)),
            })
            .Build();

    /// <summary>Whether a retry may cure <paramref name="exception"/>: 5xx, 429, 408, throttling codes, reset or
    /// broken connections, truncated responses and timeouts (a cancellation the caller did not ask for).</summary>
    public static bool IsTransient(Exception exception)
    {
        if (exception is AmazonServiceException service && service.StatusCode != 0)
        {
            int status = (int)service.StatusCode;
            if (status >= 500 || status is 429 or 408 || (service.ErrorCode is { } code && TransientCodes.Contains(code)))
            {
                return true;
            }

            if (status is >= 400 and < 500)
            {
                return false;
            }
        }

        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is IOException or HttpRequestException or SocketException or TimeoutException or XmlException
                or OperationCanceledException or WebException)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Translates a failure of <paramref name="operation"/> into a <see cref="StorageException"/>; a refused write that
    /// asked for <paramref name="storageClass"/> says so (radosgw answers an unknown class with a bare <c>InvalidArgument</c>).</summary>
    public static StorageException ToStorageException(Exception exception, string operation, string? key, S3Location location, string? storageClass = null)
    {
        if (exception is StorageException storage)
        {
            return storage;
        }

        string where = (key is null ? "" : $"key '{key}' in ") + $"bucket '{location.Bucket}' at {location.EndpointDisplay}";
        StorageErrorKind kind;
        string detail;
        if (exception is AmazonServiceException service && service.StatusCode != 0)
        {
            int status = (int)service.StatusCode;
            kind = IsTransient(exception) ? StorageErrorKind.Transient
                : status == 404 ? StorageErrorKind.NotFound
                : status is 401 or 403 ? StorageErrorKind.AccessDenied
                : status is 400 or 409 or 411 or 412 or 416 ? StorageErrorKind.Invalid
                : StorageErrorKind.Other;
            detail = service.ErrorCode switch
            {
                "NoSuchBucket" => $"the bucket does not exist ({service.ErrorCode}, HTTP {status})",
                "NoSuchKey" => $"no such key ({service.ErrorCode}, HTTP {status})",
                "SignatureDoesNotMatch" or "InvalidAccessKeyId" => $"the credentials were refused ({service.ErrorCode}, HTTP {status})",
                "InvalidStorageClass" => $"the store does not offer storage class '{storageClass}' ({service.ErrorCode}, HTTP {status}): {service.Message}",
                _ => $"{service.ErrorCode ?? "error"} (HTTP {status}): {service.Message}",
            };
            if (storageClass is not null && status == 400 && service.ErrorCode is "InvalidArgument" or "InvalidRequest")
            {
                detail += $" (the request asked for storage class '{storageClass}': the store may not offer it)";
            }
        }
        else
        {
            kind = IsTransient(exception) ? StorageErrorKind.Transient : StorageErrorKind.Other;
            detail = $"{exception.GetType().Name}: {exception.Message}";
        }

        string message = location.MaskSecrets($"S3 {operation} of {where} failed: {detail}");
        return new StorageException(kind, message, exception);
    }
}
