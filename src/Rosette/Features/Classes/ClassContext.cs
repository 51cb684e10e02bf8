using Rosette.Domain.Classes;
using Rosette.Domain.Organizations;

namespace Rosette.Features.Classes;

public sealed record ClassContext(TrainingClass Class, Organization Organization, ClassAccess Access);
