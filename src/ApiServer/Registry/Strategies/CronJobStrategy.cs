using k8s.Models;
using KubeNet.ApiMachinery.Errors;
using KubeNet.ApiMachinery.Kinds;

namespace KubeNet.ApiServer.Registry.Strategies;

/// <summary>pkg/registry/batch/cronjob with SetDefaults_CronJob (batch/v1) and ValidateCronJobCreate/Update.</summary>
internal sealed class CronJobStrategy(ResourceInfo info) : Strategy<V1CronJob>(info)
{
    protected override void Default(V1CronJob obj)
    {
        var spec = obj.Spec ??= new V1CronJobSpec();
        if (string.IsNullOrEmpty(spec.ConcurrencyPolicy))
        {
            spec.ConcurrencyPolicy = "Allow";
        }

        spec.Suspend ??= false;
        spec.SuccessfulJobsHistoryLimit ??= 3;
        spec.FailedJobsHistoryLimit ??= 1;

        // The job template gets the pod template defaults but not the Job defaults: the controller's Job does.
        spec.JobTemplate ??= new V1JobTemplateSpec();
        spec.JobTemplate.Spec ??= new V1JobSpec();
        spec.JobTemplate.Spec.Template ??= new V1PodTemplateSpec();
        PodSpecDefaults.Apply(spec.JobTemplate.Spec.Template);
    }

    protected override void Validate(V1CronJob obj, List<FieldError> errors)
    {
        // The controller names each Job <cronjob>-<11 digit timestamp>, and Job names are at most 63 characters.
        if (obj.Metadata.Name is { Length: > 52 } name)
        {
            errors.Add(FieldError.Invalid("metadata.name", name, "must be no more than 52 characters"));
        }

        ValidateSpec(obj.Spec ?? new V1CronJobSpec(), null, errors);
    }

    protected override void ValidateUpdate(V1CronJob obj, V1CronJob old, List<FieldError> errors)
    {
        // Validate runs the create rules; the update only relaxes TZ= in schedules that already had it.
        errors.RemoveAll(e => e.Field is "spec.schedule" or "spec.timeZone" or "metadata.name");
        var scratch = new List<FieldError>();
        ValidateSpec(obj.Spec ?? new V1CronJobSpec(), old.Spec ?? new V1CronJobSpec(), scratch);
        errors.AddRange(scratch.Where(e => e.Field is "spec.schedule" or "spec.timeZone"));
    }

    private static void ValidateSpec(V1CronJobSpec spec, V1CronJobSpec? oldSpec, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(spec.Schedule))
        {
            errors.Add(FieldError.Required("spec.schedule"));
        }
        else
        {
            if (CronSchedule.Check(spec.Schedule) is { } message)
            {
                errors.Add(FieldError.Invalid("spec.schedule", spec.Schedule, message));
            }

            var allowTz = oldSpec?.Schedule?.Contains("TZ", StringComparison.Ordinal) == true;
            var hasTz = spec.Schedule.Contains("TZ", StringComparison.Ordinal);
            if (allowTz && hasTz && spec.TimeZone is not null)
            {
                errors.Add(FieldError.Invalid("spec.schedule", spec.Schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule"));
            }
            else if (!allowTz && hasTz)
            {
                errors.Add(FieldError.Invalid("spec.schedule", spec.Schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"));
            }
        }

        CommonValidation.NonNegative(spec.StartingDeadlineSeconds, "spec.startingDeadlineSeconds", errors);
        if (oldSpec is null || oldSpec.TimeZone != spec.TimeZone)
        {
            TimeZone(spec.TimeZone, errors);
        }

        switch (spec.ConcurrencyPolicy)
        {
            case "Allow" or "Forbid" or "Replace":
                break;
            case null or "":
                errors.Add(FieldError.Required("spec.concurrencyPolicy"));
                break;
            default:
                errors.Add(FieldError.NotSupported("spec.concurrencyPolicy", spec.ConcurrencyPolicy, ["Allow", "Forbid", "Replace"]));
                break;
        }

        JobTemplate(spec.JobTemplate, errors);
        CommonValidation.NonNegative(spec.SuccessfulJobsHistoryLimit, "spec.successfulJobsHistoryLimit", errors);
        CommonValidation.NonNegative(spec.FailedJobsHistoryLimit, "spec.failedJobsHistoryLimit", errors);
    }

    private static void JobTemplate(V1JobTemplateSpec? template, List<FieldError> errors)
    {
        const string path = "spec.jobTemplate";
        CommonValidation.Labels(template?.Metadata?.Labels, path + ".metadata.labels", errors);
        CommonValidation.Annotations(template?.Metadata?.Annotations, path + ".metadata.annotations", errors);
        var spec = template?.Spec ?? new V1JobSpec();
        JobStrategy.ValidateSpec(spec, path + ".spec", errors);
        if (spec.Selector is not null)
        {
            errors.Add(FieldError.Invalid(path + ".spec.selector", GoValue.Selector(spec.Selector), "`selector` will be auto-generated"));
        }

        if (spec.ManualSelector == true)
        {
            errors.Add(FieldError.NotSupported(path + ".spec.manualSelector", true, ["nil", "false"]));
        }
    }

    private static void TimeZone(string? zone, List<FieldError> errors)
    {
        if (zone is null)
        {
            return;
        }

        if (zone.Length == 0)
        {
            errors.Add(FieldError.Invalid("spec.timeZone", zone, "timeZone must be nil or non-empty string"));
            return;
        }

        foreach (var part in zone.Split('/'))
        {
            if (part is "." or ".." || part.StartsWith('-') || part.Length is 0 or > 14 || !part.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '+'))
            {
                errors.Add(FieldError.Invalid("spec.timeZone", zone, $"unknown time zone {zone}"));
                return;
            }
        }

        if (string.Equals(zone, "Local", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add(FieldError.Invalid("spec.timeZone", zone, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"));
        }

        if (!IsKnownTimeZone(zone))
        {
            errors.Add(FieldError.Invalid("spec.timeZone", zone, $"unknown time zone {zone}"));
        }
    }

    /// <summary>time.LoadLocation: UTC, Local and the IANA database.</summary>
    internal static bool IsKnownTimeZone(string zone)
    {
        if (zone is "" or "UTC" or "Local")
        {
            return true;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(zone).HasIanaId;
        }
        catch (TimeZoneNotFoundException)
        {
            return false;
        }
        catch (InvalidTimeZoneException)
        {
            return false;
        }
    }
}
