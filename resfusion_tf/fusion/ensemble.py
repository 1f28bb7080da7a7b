"""Ensemble stage: independently trained learners whose outputs are averaged."""

import dataclasses
import os

import tensorflow as tf

from resfusion_tf.fusion.stage import Stage, StageContext


class AveragingHead(tf.Module):
    """Serving head that returns the mean of several heads' `[batch]` outputs."""

    def __init__(self, heads, name=None):
        super().__init__(name=name)
        if not heads:
            raise ValueError("AveragingHead needs at least one head, got none.")
        self.heads = list(heads)

    def __call__(self, features):
        outputs = [tf.cast(head(features), tf.float32) for head in self.heads]
        return tf.add_n(outputs) / float(len(outputs))


class EnsembleStage(Stage):
    """Fits each member stage on the same context and averages their outputs.

    As a first stage the members fit the label and the ensemble averages their
    logits, as the GBDT+DeepFM baseline does. As a later stage each member fits the
    same residual.

    Args:
        kind: Stage name used in output names, such as "gbdt_deepfm_average".
        members: Untrained member stages.
    """

    def __init__(self, kind: str, members: list[Stage]):
        if not members:
            raise ValueError(f"EnsembleStage({kind!r}) needs at least one member, got none.")
        self.kind = kind
        self.members = list(members)

    def fit(self, context: StageContext) -> None:
        for position, member in enumerate(self.members):
            member_context = dataclasses.replace(
                context, log_dir=os.path.join(context.log_dir, f"member_{position}_{member.kind}"))
            member.fit(member_context)

    def head(self) -> tf.Module:
        return AveragingHead([member.head() for member in self.members])

    def save(self, directory: str) -> None:
        for position, member in enumerate(self.members):
            member_directory = os.path.join(directory, f"member_{position}_{member.kind}")
            os.makedirs(member_directory, exist_ok=True)
            member.save(member_directory)
