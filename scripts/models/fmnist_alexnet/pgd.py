"""L2 projected gradient descent (Madry et al. 2018) in [0, 1] pixel units."""
import torch
import torch.nn.functional as F


def _per_sample_norm(t):
    return t.flatten(1).norm(dim=1).clamp_min(1e-12).view(-1, 1, 1, 1)


def l2_pgd(model, x, y, eps, steps, step_size=None, random_start=True, generator=None):
    """Adversarial examples within ||delta||_2 <= eps of x, clamped to [0, 1]. Step length
    defaults to 2.5 eps / steps (Madry et al.). Only input gradients are computed."""
    step_size = 2.5 * eps / steps if step_size is None else step_size
    if random_start:
        delta = torch.randn(x.shape, generator=generator)
        # Uniform radius in the ball's volume is overkill here: a random direction, radius U(0, eps).
        r = torch.rand(x.shape[0], 1, 1, 1, generator=generator) * eps
        delta = delta / _per_sample_norm(delta) * r
    else:
        delta = torch.zeros_like(x)
    delta = ((x + delta).clamp(0, 1) - x).detach()
    for _ in range(steps):
        delta.requires_grad_(True)
        loss = F.cross_entropy(model(x + delta), y)
        (g,) = torch.autograd.grad(loss, delta)
        delta = delta.detach() + step_size * g / _per_sample_norm(g)
        norm = _per_sample_norm(delta)
        delta = delta * torch.clamp(eps / norm, max=1.0)
        delta = ((x + delta).clamp(0, 1) - x).detach()
    return (x + delta).detach()
