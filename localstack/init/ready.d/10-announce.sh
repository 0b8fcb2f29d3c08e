#!/bin/bash
# Runs when LocalStack is ready: the stack is deployed from the host with `npm run localstack:deploy`.
echo "LocalStack is ready: run 'npm run localstack:deploy' to deploy the serverless-jobs stack."
