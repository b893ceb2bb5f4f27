# The split job's image: Spark (driver and executors) plus splitlib and its task-side packages.
# Build from the repository root:
#   docker build -f docker/split.Dockerfile -t splitlib-split:0.1.0 .
#
# Base: the Apache Spark image whose Spark and Java match the pyspark splitlib is tested with
# (pyspark 4.3.0, Java 17). Its own entrypoint (/opt/entrypoint.sh) is what the Kubernetes
# Spark operator runs as driver and executor, so this image keeps it.
FROM apache/spark:4.3.0-scala2.13-java17-python3-ubuntu

# s3a:// for Spark itself: hadoop-aws must equal the Hadoop client Spark 4.3.0 ships
# (hadoop-client-api-3.5.0.jar), and the AWS SDK v2 bundle must be the one that Hadoop
# release is built against (aws-java-sdk-v2.version of hadoop-project 3.5.0).
ARG HADOOP_VERSION=3.5.0
ARG AWS_SDK_VERSION=2.35.4
USER 0
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# each jar checked against the SHA-1 Maven Central publishes beside it
RUN for jar in org/apache/hadoop/hadoop-aws/${HADOOP_VERSION}/hadoop-aws-${HADOOP_VERSION}.jar \
               software/amazon/awssdk/bundle/${AWS_SDK_VERSION}/bundle-${AWS_SDK_VERSION}.jar; do \
      url="https://repo1.maven.org/maven2/${jar}"; name="/opt/spark/jars/${jar##*/}"; \
      wget -q -O "${name}" "${url}"; \
      echo "$(wget -q -O - "${url}.sha1")  ${name}" | sha1sum -c -; \
      chmod 644 "${name}"; \
    done

WORKDIR /opt/splitlib
# task-side packages plus the report's plotting, pinned; pyspark comes from the image
COPY docker/requirements-split.txt /opt/splitlib/requirements.txt
RUN python3 -m pip install --no-cache-dir -r /opt/splitlib/requirements.txt
COPY pyproject.toml README.md /opt/splitlib/
COPY splitlib /opt/splitlib/splitlib
COPY jobs /opt/splitlib/jobs
COPY udfs /opt/splitlib/udfs
RUN python3 -m pip install --no-cache-dir --no-deps /opt/splitlib

# the image's unprivileged user (uid 185), as Spark on Kubernetes expects
USER 185
ENV PYSPARK_PYTHON=python3 \
    PYTHONUNBUFFERED=1
# no ENTRYPOINT: the base image's /opt/entrypoint.sh starts drivers and executors; the job is
#   local:///opt/splitlib/jobs/split.py (deploy/k8s/spark-application.yaml)
HEALTHCHECK NONE
