# The training image: PyTorch with CUDA, plus splitlib's trainer (no Spark).
# Build from the repository root:
#   docker build -f docker/train.Dockerfile -t splitlib-train:0.1.0 .
#
# Base: PyTorch's runtime image with the torch version splitlib is tested with (Makefile:
# torch==2.13.0), CUDA 12.8 and cuDNN 9; `torchrun` comes with it.
FROM pytorch/pytorch:2.13.0-cuda12.8-cudnn9-runtime

WORKDIR /opt/splitlib
# everything the trainer imports except torch (the base image's) and pyspark (not needed)
COPY docker/requirements-train.txt /opt/splitlib/requirements.txt
RUN python -m pip install --no-cache-dir -r /opt/splitlib/requirements.txt
COPY pyproject.toml README.md /opt/splitlib/
COPY splitlib /opt/splitlib/splitlib
COPY jobs /opt/splitlib/jobs
COPY udfs /opt/splitlib/udfs
RUN python -m pip install --no-cache-dir --no-deps /opt/splitlib \
    && useradd --uid 10001 --create-home --shell /usr/sbin/nologin splitlib

USER 10001
ENV HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    PYTHONUNBUFFERED=1
# `splitlib train|sweep|fit|plan ...`; several processes or GPUs: override the command with
#   torchrun --nproc_per_node N -m splitlib.train ...   (deploy/k8s/train-job.yaml)
ENTRYPOINT ["splitlib"]
CMD ["--help"]
HEALTHCHECK NONE
