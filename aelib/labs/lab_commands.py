"""The command-line front end of the application labs: `denoising`, `few-labels`, `augmentation`, `superres` and
`compression` (with their old spellings), added to aelib.cli's parser by add_commands(sub, common)."""
from __future__ import annotations

import argparse
from dataclasses import replace

from aelib.data import load_dataset
from aelib.data.noise import NOISES
from aelib.labs import augmentation, compression, denoising, few_labels, superres
from aelib.models import MODELS
from aelib.train import TrainConfig
from aelib.train.console import add_device_flag, ints, show


def cmd_denoising(args) -> None:
    """A denoising AE and a plain AE with the same network; mean PSNR (dB) on the held-out split at the noise."""
    ds = load_dataset(args.dataset, seed=args.seed, data_dir=args.data_dir)
    show(denoising.report(ds, args.noise, args.noise_level, TrainConfig(epochs=args.epochs, seed=args.seed,
                                                                        device=args.device),
                          args.latent_dim), args.json)


def cmd_few_labels(args) -> None:
    """An AE trained without labels; logistic regression on k labels per class with raw, PCA and AE features."""
    ds = load_dataset(args.dataset, seed=args.seed, data_dir=args.data_dir)
    k = None if args.labels_per_class == 0 else args.labels_per_class
    show(few_labels.report(ds, args.model, args.latent_dim, k, TrainConfig(epochs=args.epochs, seed=args.seed,
                                                                           device=args.device),
                           args.repeats, args.curve), args.json)


def cmd_augmentation(args) -> None:
    """Few labels plus generated samples (cVAE on the labelled set; jittered codes of an unlabelled-data AE)."""
    ds = load_dataset(args.dataset, seed=args.seed, data_dir=args.data_dir)
    cfg = augmentation.AugmentConfig(args.labels_per_class, args.generated_per_class, args.repeats, args.epochs,
                                     ae_epochs=args.ae_epochs, jitter=args.jitter, seed=args.seed, device=args.device)
    show(augmentation.report(ds, cfg), args.json)


def cmd_superres(args) -> None:
    """A small conv model restores held-out images from copies shrunk by --scale; mean PSNR against bicubic."""
    ds = load_dataset(args.dataset, seed=args.seed, data_dir=args.data_dir)
    show(superres.report(ds, args.scale, superres.train_config(args.epochs, args.seed, device=args.device)), args.json)


def cmd_compression(args) -> None:
    """Quantised AE codes and PCA coefficients against JPEG: mean PSNR and bytes per held-out image."""
    ds = load_dataset(args.dataset, seed=args.seed, data_dir=args.data_dir)
    show(compression.report(ds, ints(args.latent_dims), ints(args.bits),
                            replace(compression.train_config(args.epochs, args.seed), device=args.device)), args.json)


def _add_denoising(sub, common: argparse.ArgumentParser) -> None:
    d = sub.add_parser("denoising", aliases=["denoise"], parents=[common],
                       help="denoising AE vs plain AE: PSNR of noisy and cleaned")
    d.add_argument("--noise", default="gaussian", choices=list(NOISES))
    d.add_argument("--noise-level", type=float, default=0.5)
    d.add_argument("--latent-dim", type=int, default=denoising.LATENT_DIM)
    d.add_argument("--epochs", type=int, default=10, help="for each of the two models")
    add_device_flag(d)
    d.set_defaults(fn=cmd_denoising)


def _add_few_labels(sub, common: argparse.ArgumentParser) -> None:
    pr = sub.add_parser("few-labels", aliases=["probe"], parents=[common],
                        help="logistic regression on raw, PCA and AE features")
    pr.add_argument("--model", default="ae", choices=list(MODELS),
                    help="the feature extractor (trained without labels)")
    pr.add_argument("--latent-dim", type=int, default=few_labels.LATENT_DIM,
                    help="code size; PCA gets as many components")
    pr.add_argument("--labels-per-class", type=int, default=10, help="labelled training examples per class (0: all)")
    pr.add_argument("--repeats", type=int, default=few_labels.REPEATS, help="random draws of the labelled examples")
    pr.add_argument("--epochs", type=int, default=20, help="for the autoencoder")
    pr.add_argument("--curve", action="store_true", help="also every k from 1 to all, with the same autoencoder")
    add_device_flag(pr)
    pr.set_defaults(fn=cmd_few_labels)


def _add_augmentation(sub, common: argparse.ArgumentParser) -> None:
    au = sub.add_parser("augmentation", aliases=["augment"], parents=[common],
                        help="few labels plus generated samples: does it help?")
    au.add_argument("--labels-per-class", type=int, default=augmentation.AugmentConfig.labels_per_class)
    au.add_argument("--generated-per-class", type=int, default=augmentation.AugmentConfig.generated_per_class)
    au.add_argument("--repeats", type=int, default=augmentation.AugmentConfig.repeats, help="draws of the labelled set")
    au.add_argument("--epochs", type=int, default=augmentation.AugmentConfig.cvae_epochs,
                    help="for the cVAE, on the labelled examples only")
    au.add_argument("--ae-epochs", type=int, default=augmentation.AugmentConfig.ae_epochs,
                    help="for the jittered-codes AE, on all training images without labels")
    au.add_argument("--jitter", type=float, default=augmentation.AugmentConfig.jitter,
                    help="code noise, in units of each code dimension's spread")
    add_device_flag(au)
    au.set_defaults(fn=cmd_augmentation)


def _add_superres_and_compression(sub, common: argparse.ArgumentParser) -> None:
    sr = sub.add_parser("superres", parents=[common], help="super-resolution: a conv model against bicubic upsampling")
    sr.add_argument("--scale", type=int, default=2, choices=list(superres.SCALES), help="shrink factor (2: 28 to 14)")
    sr.add_argument("--epochs", type=int, default=20)
    add_device_flag(sr)
    sr.set_defaults(fn=cmd_superres)
    cz = sub.add_parser("compression", aliases=["compress"], parents=[common],
                        help="rate-distortion: quantised AE and PCA codes against JPEG")
    cz.add_argument("--latent-dims", default=",".join(map(str, compression.LATENT_DIMS)),
                    help="code sizes, e.g. 8,16,32")
    cz.add_argument("--bits", default=",".join(map(str, compression.BITS)), help="bits per code number, e.g. 2,4,6,8")
    cz.add_argument("--epochs", type=int, default=15, help="for each autoencoder")
    add_device_flag(cz)
    cz.set_defaults(fn=cmd_compression)


def add_commands(sub, common: argparse.ArgumentParser) -> None:
    """The five lab subcommands, each with --device; `common` brings --dataset, --seed, --data-dir and --json."""
    _add_denoising(sub, common)
    _add_few_labels(sub, common)
    _add_augmentation(sub, common)
    _add_superres_and_compression(sub, common)
