"""The command-line front end of the modern labs: `sae`, `mae`, `latent-diffusion` and `score-field`, added to
aelib.cli's parser by add_commands(sub, common). Each prints its numbers (one JSON object with --json)."""
from __future__ import annotations

import argparse
import json

from aelib.data import load_dataset
from aelib.labs import latent_diffusion, mae, sae, score_field


def _print(obj: dict, as_json: bool) -> None:
    shown = {k: v for k, v in obj.items() if k not in ("rows", "grid", "field", "data")}  # arrays stay in the library
    if as_json:
        print(json.dumps(shown))
    else:
        for k, v in shown.items():
            print(f"{k:>40}  {v}")


def _ints(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise ValueError(f"expected comma-separated whole numbers such as 4,16,64, got {text!r}") from None


def cmd_sae(args) -> None:
    ds = load_dataset(args.dataset, seed=args.seed, data_dir=args.data_dir)
    cfg = sae.SAEConfig(latents=args.latents, k=None if args.k == 0 else args.k, l1=args.l1, dead_fix=args.dead_fix,
                        epochs=args.epochs, seed=args.seed)
    _print(sae.report(ds, cfg, args.hidden, _ints(args.curve)), args.json)


def cmd_mae(args) -> None:
    ds = load_dataset(args.dataset, seed=args.seed, data_dir=args.data_dir)
    cfg = mae.MAEConfig(mask_ratio=args.mask_ratio, grid=args.grid, dim=args.dim, epochs=args.epochs, seed=args.seed)
    _print(mae.report(ds, cfg, args.labels_per_class, args.ae_epochs), args.json)


def cmd_latent_diffusion(args) -> None:
    ds = load_dataset(args.dataset, seed=args.seed, data_dir=args.data_dir)
    cfg = latent_diffusion.LatentDiffusionConfig(latent_dim=args.latent_dim, vae_epochs=args.vae_epochs,
                                                 steps=args.steps, diffusion_epochs=args.diffusion_epochs,
                                                 samples=args.samples, seed=args.seed)
    _print(latent_diffusion.report(ds, cfg), args.json)


def cmd_score_field(args) -> None:
    _print(score_field.report(score_field.ScoreConfig(sigma=args.sigma, n=args.n, epochs=args.epochs,
                                                      seed=args.seed)), args.json)


def add_commands(sub, common: argparse.ArgumentParser) -> None:
    """The four subcommands; `common` brings --dataset, --seed, --data-dir and --json."""
    s = sub.add_parser("sae", parents=[common], help="a sparse autoencoder on a digit classifier's hidden layer")
    s.add_argument("--latents", type=int, default=sae.SAEConfig.latents)
    s.add_argument("--k", type=int, default=sae.SAEConfig.k, help="TopK: latents firing per input (0: L1 instead)")
    s.add_argument("--l1", type=float, default=sae.SAEConfig.l1, help="the L1 weight when --k 0")
    s.add_argument("--dead-fix", default=sae.SAEConfig.dead_fix, choices=["resample", "auxk", "both", "none"])
    s.add_argument("--hidden", type=int, default=128, help="the classifier's hidden width")
    s.add_argument("--epochs", type=int, default=sae.SAEConfig.epochs, help="for the SAE")
    s.add_argument("--curve", default="", help="also a TopK SAE per k, e.g. 4,8,16,32 (sparsity–fidelity)")
    s.set_defaults(fn=cmd_sae)
    m = sub.add_parser("mae", parents=[common], help="a masked autoencoder, probed against raw pixels and an AE")
    m.add_argument("--mask-ratio", type=float, default=mae.MAEConfig.mask_ratio)
    m.add_argument("--grid", type=int, default=mae.MAEConfig.grid, help="patches per side")
    m.add_argument("--dim", type=int, default=mae.MAEConfig.dim, help="token width = feature size")
    m.add_argument("--epochs", type=int, default=mae.MAEConfig.epochs)
    m.add_argument("--ae-epochs", type=int, default=20, help="for the plain AE")
    m.add_argument("--labels-per-class", type=int, default=10, help="the few-labels probe")
    m.set_defaults(fn=cmd_mae)
    d = sub.add_parser("latent-diffusion", parents=[common], help="a VAE, diffusion on its codes, its decoder draws")
    d.add_argument("--latent-dim", type=int, default=latent_diffusion.LatentDiffusionConfig.latent_dim)
    d.add_argument("--vae-epochs", type=int, default=latent_diffusion.LatentDiffusionConfig.vae_epochs)
    d.add_argument("--steps", type=int, default=latent_diffusion.LatentDiffusionConfig.steps)
    d.add_argument("--diffusion-epochs", type=int, default=latent_diffusion.LatentDiffusionConfig.diffusion_epochs)
    d.add_argument("--samples", type=int, default=latent_diffusion.LatentDiffusionConfig.samples)
    d.set_defaults(fn=cmd_latent_diffusion)
    f = sub.add_parser("score-field", parents=[common], help="a denoiser's residual field on a circle")
    f.add_argument("--sigma", type=float, default=score_field.ScoreConfig.sigma)
    f.add_argument("--n", type=int, default=score_field.ScoreConfig.n, help="training points")
    f.add_argument("--epochs", type=int, default=score_field.ScoreConfig.epochs)
    f.set_defaults(fn=cmd_score_field)
